// Original file: proto/fleet/v1/admin.proto


export interface ListMembersRequest {
}

export interface ListMembersRequest__Output {
}
