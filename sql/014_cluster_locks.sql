-- Row locks a Galera cluster certifies. SELECT ... FOR UPDATE locks a row on
-- the node that runs it only: two nodes that each lock and read the same row
-- both go on, and neither sees the other's change (two parents of one child
-- ending at once on two nodes would each find the other not ended, and the
-- child would never be triggered). Where a transaction serialises on a row,
-- it writes that row instead (lock_seq = lock_seq + 1): on one server that is
-- the same exclusive lock, on a cluster the write goes into the write set and
-- the second transaction to certify fails and runs again (db_transaction),
-- now seeing the first one's commit.
--   pipelines.lock_seq  the auto-trigger of a child (pipeline_queue.c)
--   users.lock_seq      a user's dependency graph while an edge is added
ALTER TABLE pipelines ADD COLUMN lock_seq BIGINT UNSIGNED NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN lock_seq BIGINT UNSIGNED NOT NULL DEFAULT 0;
