/** Natural order moved to src/common (the client sorts members with it too); kept here for the callers under src/ops. */
export { naturalCompare } from '../common/natural-order.js';
