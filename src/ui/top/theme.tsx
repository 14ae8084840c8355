/** The dashboard's colours: a tone becomes ink text props, or none at all when colour is off (NO_COLOR, a pipe). */
import { Text, type TextProps } from 'ink';
import { fit, type Seg, type Segs, type Tone } from './format.js';

const COLOURS: Readonly<Record<Tone, TextProps>> = {
  plain: {},
  ok: { color: 'green' },
  warn: { color: 'yellow' },
  bad: { color: 'red' },
  dim: { dimColor: true },
  accent: { color: 'cyan', bold: true },
  title: { bold: true },
};

/** Ink props for a segment. */
export function styleOf(s: Seg, color: boolean): TextProps {
  if (!color) return {};
  return { ...COLOURS[s.tone ?? 'plain'], ...(s.inverse ? { inverse: true } : {}) };
}

/** One line of segments, cut to `width`. */
export function Line({ segs, width, color }: { readonly segs: Segs; readonly width: number; readonly color: boolean }) {
  const shown = fit(segs, width);
  return (
    <Text wrap="truncate-end">
      {shown.length === 0 ? ' ' : shown.map((s, i) => (
        <Text key={i} {...styleOf(s, color)}>
          {s.text}
        </Text>
      ))}
    </Text>
  );
}
