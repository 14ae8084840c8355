// Original file: proto/fleet/v1/client.proto


export interface ListShards {
}

export interface ListShards__Output {
}
