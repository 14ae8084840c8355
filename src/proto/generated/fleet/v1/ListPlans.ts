// Original file: proto/fleet/v1/client.proto


export interface ListPlans {
}

export interface ListPlans__Output {
}
