-- Maintenance mode (SQLite): one row that every replica reads. While active,
-- the API answers writes with 503; reads, verification and the anchoring of
-- work already queued go on.
CREATE TABLE maintenance (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    active   INTEGER NOT NULL CHECK (active IN (0, 1)),
    message  TEXT    NOT NULL,
    since    TEXT,
    set_by   TEXT    NOT NULL
);
INSERT INTO maintenance (id, active, message, since, set_by) VALUES (1, 0, '', NULL, '');
