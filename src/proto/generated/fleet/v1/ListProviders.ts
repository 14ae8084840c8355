// Original file: proto/fleet/v1/client.proto


export interface ListProviders {
}

export interface ListProviders__Output {
}
