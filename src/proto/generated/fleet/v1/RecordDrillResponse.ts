// Original file: proto/fleet/v1/admin.proto


export interface RecordDrillResponse {
}

export interface RecordDrillResponse__Output {
}
