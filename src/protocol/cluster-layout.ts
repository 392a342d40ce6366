/** Actor ids of every role, as every actor and client of one log sees them. */
export interface ClusterLayout {
  readonly proposers: readonly number[];
  readonly acceptors: readonly number[];
  readonly learners: readonly number[];
}
