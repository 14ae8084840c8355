// Original file: proto/fleet/v1/admin.proto


export interface GetAutopilotRequest {
}

export interface GetAutopilotRequest__Output {
}
