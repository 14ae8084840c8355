// Original file: proto/fleet/v1/admin.proto


export interface TakeSnapshotRequest {
}

export interface TakeSnapshotRequest__Output {
}
