import { benchScale } from './scale.js';
const figs = await benchScale({ quick: false });
for (const f of figs) if (f.name === 'scale_rss' || f.name === 'scale_load_rate') console.log(f.name, f.fleet);
