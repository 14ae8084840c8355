// Original file: proto/fleet/v1/client.proto


export interface Counts {
}

export interface Counts__Output {
}
