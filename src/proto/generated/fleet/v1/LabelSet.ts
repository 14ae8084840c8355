// Original file: proto/fleet/v1/client.proto


export interface LabelSet {
  'labels'?: ({[key: string]: string});
}

export interface LabelSet__Output {
  'labels': ({[key: string]: string});
}
