// Original file: proto/fleet/v1/admin.proto


export interface RecordAuditResponse {
}

export interface RecordAuditResponse__Output {
}
