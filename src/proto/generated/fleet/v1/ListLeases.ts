// Original file: proto/fleet/v1/client.proto


export interface ListLeases {
}

export interface ListLeases__Output {
}
