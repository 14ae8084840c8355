// Original file: proto/fleet/v1/peer.proto


export interface PeerAck {
}

export interface PeerAck__Output {
}
