BEGIN TRANSACTION;
CREATE TABLE folder_state (
    task_id INTEGER, mailbox TEXT, folder_id TEXT, sync_state TEXT, name TEXT, parent_id TEXT,
    well_known TEXT, included INTEGER, folder_class TEXT, commit_seen TEXT, read_at REAL,
    PRIMARY KEY (task_id, mailbox, folder_id));
INSERT INTO "folder_state" VALUES(1,'alice@contoso.example','','hierarchy-state-1','',NULL,NULL,1,NULL,NULL,NULL);
INSERT INTO "folder_state" VALUES(1,'alice@contoso.example','inbox','inbox-state-1','Inbox',NULL,'inbox',1,'IPF.Note','c1',1772442000.0);
CREATE TABLE group_cache (
    task_id INTEGER, group_key TEXT, resolved_at REAL, members TEXT, PRIMARY KEY (task_id, group_key));
CREATE TABLE item_index (
    task_id INTEGER, mailbox TEXT, item_id TEXT, folder_id TEXT, key TEXT,
    PRIMARY KEY (task_id, mailbox, item_id));
INSERT INTO "item_index" VALUES(1,'alice@contoso.example','AAMkItem1','inbox','<m1@contoso.example>|1772441000');
CREATE TABLE mailbox_flag (
    task_id INTEGER, mailbox TEXT, name TEXT, value TEXT, PRIMARY KEY (task_id, mailbox, name));
INSERT INTO "mailbox_flag" VALUES(1,'alice@contoso.example','full_done','1');
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
INSERT INTO "meta" VALUES('instance','first0schema');
INSERT INTO "meta" VALUES('run','1');
INSERT INTO "meta" VALUES('task:1','2026-03-02T09:00:00+00:00');
CREATE TABLE mfr_owner (mailbox TEXT PRIMARY KEY, task_id INTEGER);
INSERT INTO "mfr_owner" VALUES('alice@contoso.example',1);
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT, task_id INTEGER, mailbox TEXT, batch_id TEXT,
    body TEXT, commit_ TEXT, UNIQUE (task_id, mailbox, batch_id));
INSERT INTO "outbox" VALUES(1,1,'alice@contoso.example','first0schema-1-1','{"task_id":1,"placements":[]}','{"folders":[],"forget_folders":[],"index":[["AAMkItem2","inbox","<m2@contoso.example>|1772441100"]],"unindex":[],"flags":{}}');
CREATE TABLE well_known (mailbox TEXT, name TEXT, folder_id TEXT, PRIMARY KEY (mailbox, name));
DELETE FROM "sqlite_sequence";
INSERT INTO "sqlite_sequence" VALUES('outbox',1);
COMMIT;
