/** One measured figure, in the shape `npm run bench -- --json FILE` writes. */
export interface BenchFigure {
  area: string;
  name: string;
  unit: string;
  fleet: number;
  etcd: number | null;
  goal: string;
  met: boolean | null;
}
