// Original file: proto/fleet/v1/client.proto


export interface Linearizable {
}

export interface Linearizable__Output {
}
