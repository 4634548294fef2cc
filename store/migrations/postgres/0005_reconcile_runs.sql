-- Reconciliation runs (PostgreSQL): one row per `aartha reconcile`, so that
-- the admin UI can list them and a metric can report the latest. The counts
-- are columns (for listing and alerting); the findings are the run's JSON
-- (ledger.ReconcileRun.Findings), at most ledger.MaxStoredFindings of them.

CREATE TABLE reconcile_runs (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    scope       TEXT        NOT NULL CHECK (scope IN ('all', 'sample')),
    sample      INTEGER     NOT NULL DEFAULT 0 CHECK (sample >= 0),
    loans       INTEGER     NOT NULL CHECK (loans >= 0),
    records     INTEGER     NOT NULL CHECK (records >= 0),
    started_at  TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ NOT NULL,
    chain       TEXT        NOT NULL,
    contract    TEXT        NOT NULL,
    from_block  BIGINT      NOT NULL CHECK (from_block >= 0),
    chain_head  BIGINT      NOT NULL CHECK (chain_head >= 0),
    matched     INTEGER     NOT NULL CHECK (matched >= 0),
    mismatched  INTEGER     NOT NULL CHECK (mismatched >= 0),
    missing     INTEGER     NOT NULL CHECK (missing >= 0),
    unknown     INTEGER     NOT NULL CHECK (unknown >= 0),
    pending     INTEGER     NOT NULL CHECK (pending >= 0),
    truncated   BOOLEAN     NOT NULL DEFAULT false,
    findings    JSONB       NOT NULL
);
