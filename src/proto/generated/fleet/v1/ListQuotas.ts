// Original file: proto/fleet/v1/client.proto


export interface ListQuotas {
}

export interface ListQuotas__Output {
}
