// Original file: proto/fleet/v1/client.proto


export interface RequestError {
  'code'?: (number);
  'message'?: (string);
  'leaderId'?: (string);
  'leaderAddress'?: (string);
  'notLeader'?: (boolean);
}

export interface RequestError__Output {
  'code': (number);
  'message': (string);
  'leaderId': (string);
  'leaderAddress': (string);
  'notLeader': (boolean);
}
