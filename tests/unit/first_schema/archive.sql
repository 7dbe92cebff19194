BEGIN TRANSACTION;
CREATE TABLE access (
	item VARCHAR(1000) NOT NULL, 
	mailbox VARCHAR(254) NOT NULL, 
	PRIMARY KEY (item, mailbox)
);
CREATE TABLE archive_sites (
	site_id INTEGER NOT NULL, 
	key_hash VARCHAR(64), 
	PRIMARY KEY (site_id), 
	UNIQUE (key_hash)
);
INSERT INTO "archive_sites" VALUES(1,'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa');
CREATE TABLE archive_tasks (
	task_id INTEGER NOT NULL, 
	site_id INTEGER, 
	type VARCHAR(20), 
	created VARCHAR(40), 
	explicit BOOLEAN, 
	sequence INTEGER, 
	removed BOOLEAN, 
	PRIMARY KEY (task_id)
);
INSERT INTO "archive_tasks" VALUES(1,1,'mfr','2026-03-02T09:00:00+00:00',1,2,0);
CREATE TABLE archived (
	item VARCHAR(1000) NOT NULL, 
	subject VARCHAR(1000), 
	received FLOAT, 
	size INTEGER, 
	held BOOLEAN, 
	purge_at FLOAT, 
	PRIMARY KEY (item)
);
CREATE TABLE boundaries (
	mailbox VARCHAR(254) NOT NULL, 
	count INTEGER, 
	PRIMARY KEY (mailbox)
);
INSERT INTO "boundaries" VALUES('alice@contoso.example',1);
CREATE TABLE calendar_items (
	mailbox VARCHAR(254) NOT NULL, 
	uid VARCHAR(1000) NOT NULL, 
	calendar_id VARCHAR(600), 
	data TEXT, 
	PRIMARY KEY (mailbox, uid)
);
CREATE TABLE calendars (
	mailbox VARCHAR(254) NOT NULL, 
	calendar_id VARCHAR(600) NOT NULL, 
	name VARCHAR(500), 
	PRIMARY KEY (mailbox, calendar_id)
);
CREATE TABLE dirty (
	task_id INTEGER NOT NULL, 
	mailbox VARCHAR(254) NOT NULL, 
	item VARCHAR(1000) NOT NULL, 
	reason VARCHAR(20), 
	PRIMARY KEY (task_id, mailbox, item)
);
CREATE TABLE expired (
	mailbox VARCHAR(254) NOT NULL, 
	item VARCHAR(1000) NOT NULL, 
	at FLOAT, 
	PRIMARY KEY (mailbox, item)
);
CREATE TABLE folder_names (
	mailbox VARCHAR(254), 
	folder_id VARCHAR(600), 
	at FLOAT, 
	name VARCHAR(500), 
	parent_id VARCHAR(600)
);
INSERT INTO "folder_names" VALUES('alice@contoso.example','inbox',1772442000.0,'Inbox',NULL);
INSERT INTO "folder_names" VALUES('alice@contoso.example','f-projects',1772442000.0,'Projects','inbox');
CREATE TABLE folders (
	mailbox VARCHAR(254) NOT NULL, 
	folder_id VARCHAR(600) NOT NULL, 
	name VARCHAR(500), 
	parent_id VARCHAR(600), 
	well_known VARCHAR(40), 
	live BOOLEAN, 
	removed_reason VARCHAR(20), 
	first_seen FLOAT, 
	deleted_at FLOAT, 
	PRIMARY KEY (mailbox, folder_id)
);
INSERT INTO "folders" VALUES('alice@contoso.example','inbox','Inbox',NULL,'inbox',1,NULL,1772442001.0,NULL);
INSERT INTO "folders" VALUES('alice@contoso.example','f-projects','Projects','inbox',NULL,1,NULL,1772442001.0,NULL);
CREATE TABLE full_view (
	mailbox VARCHAR(254) NOT NULL, 
	item VARCHAR(1000) NOT NULL, 
	folder_id VARCHAR(600) NOT NULL, 
	first_seen FLOAT, 
	last_seen FLOAT, 
	boundary INTEGER, 
	deleted_at FLOAT, 
	PRIMARY KEY (mailbox, item, folder_id)
);
INSERT INTO "full_view" VALUES('alice@contoso.example','<m1@contoso.example>|1772441000','inbox',1772442001.0,1772442001.0,1,NULL);
INSERT INTO "full_view" VALUES('alice@contoso.example','<m2@contoso.example>|1772441100','f-projects',1772442001.0,1772442001.0,1,NULL);
INSERT INTO "full_view" VALUES('alice@contoso.example','<m3@contoso.example>|1772441200','inbox',1772442001.0,1772442001.0,1,NULL);
CREATE TABLE live (
	mailbox VARCHAR(254) NOT NULL, 
	item VARCHAR(1000) NOT NULL, 
	folder_id VARCHAR(600) NOT NULL, 
	PRIMARY KEY (mailbox, item, folder_id)
);
INSERT INTO "live" VALUES('alice@contoso.example','<m1@contoso.example>|1772441000','inbox');
INSERT INTO "live" VALUES('alice@contoso.example','<m2@contoso.example>|1772441100','f-projects');
INSERT INTO "live" VALUES('alice@contoso.example','<m3@contoso.example>|1772441200','inbox');
CREATE TABLE mfr_holders (
	mailbox VARCHAR(254) NOT NULL, 
	task_id INTEGER, 
	PRIMARY KEY (mailbox)
);
INSERT INTO "mfr_holders" VALUES('alice@contoso.example',1);
CREATE TABLE roster (
	task_id INTEGER NOT NULL, 
	mailbox VARCHAR(254) NOT NULL, 
	PRIMARY KEY (task_id, mailbox)
);
INSERT INTO "roster" VALUES(1,'alice@contoso.example');
CREATE TABLE stubs (
	id INTEGER NOT NULL, 
	task_id INTEGER, 
	mailbox VARCHAR(254), 
	item VARCHAR(1000), 
	action VARCHAR(40), 
	at FLOAT, 
	PRIMARY KEY (id)
);
INSERT INTO "stubs" VALUES(1,1,'alice@contoso.example','<m1@contoso.example>|1772441000','full_stub',1772442002.0);
CREATE TABLE submissions (
	task_id INTEGER NOT NULL, 
	mailbox VARCHAR(254) NOT NULL, 
	batch_id VARCHAR(200) NOT NULL, 
	kind VARCHAR(20), 
	at FLOAT, 
	PRIMARY KEY (task_id, mailbox, batch_id)
);
INSERT INTO "submissions" VALUES(1,'alice@contoso.example','run1-1','mfr',1772442000.0);
INSERT INTO "submissions" VALUES(1,'alice@contoso.example','run1-2','mfr',1772442001.0);
CREATE INDEX ix_archive_tasks_site_id ON archive_tasks (site_id);
CREATE INDEX ix_roster_mailbox ON roster (mailbox);
CREATE INDEX ix_mfr_holders_task_id ON mfr_holders (task_id);
CREATE INDEX ix_folder_names ON folder_names (mailbox, folder_id, at);
CREATE INDEX ix_live_folder ON live (mailbox, folder_id);
CREATE INDEX ix_full_folder ON full_view (mailbox, folder_id, first_seen);
COMMIT;
