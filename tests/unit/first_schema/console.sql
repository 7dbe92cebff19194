BEGIN TRANSACTION;
CREATE TABLE admins (
	id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, 
	email VARCHAR(254) NOT NULL, 
	password_hash VARCHAR(200) NOT NULL, 
	role VARCHAR(20) NOT NULL, 
	created DATETIME NOT NULL, 
	UNIQUE (email)
);
INSERT INTO "admins" VALUES(1,'admin@contoso.example','scrypt$e3e70682c2094cac629f6fbed82c07cd$e134fa668c716748d851e039221963577b6119c34348379a0b600d61829ec89b','admin','2026-03-02 09:00:00.000000');
CREATE TABLE credentials (
	id INTEGER NOT NULL, 
	admin_id INTEGER NOT NULL, 
	kind VARCHAR(10) NOT NULL, 
	name VARCHAR(120) NOT NULL, 
	secret_hash VARCHAR(64) NOT NULL, 
	created DATETIME NOT NULL, 
	expires DATETIME, 
	PRIMARY KEY (id), 
	FOREIGN KEY(admin_id) REFERENCES admins (id) ON DELETE CASCADE, 
	UNIQUE (secret_hash)
);
INSERT INTO "credentials" VALUES(1,1,'token','deploy','11fbc9d111d3b3b12d0793329a9d8c0b1238563d88e6de35ba91a3ea0dfee314','2026-03-02 09:00:00.000000',NULL);
CREATE TABLE definitions (
	id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, 
	name VARCHAR(120) NOT NULL, 
	name_key VARCHAR(480) NOT NULL, 
	type VARCHAR(20) NOT NULL, 
	spec TEXT NOT NULL, 
	created DATETIME NOT NULL, 
	modified DATETIME NOT NULL, 
	modified_by VARCHAR(254) NOT NULL, 
	UNIQUE (name_key)
);
INSERT INTO "definitions" VALUES(1,'Replicate all','replicate all','mfr','{"type":"mfr","exclude_inbox":false,"exclude_sent_items":false,"exclude_deleted_items":false,"include_ev_shortcuts":false,"full_sync_exclusion_windows":[]}','2026-03-02 09:00:00.000000','2026-03-02 09:00:00.000000','admin@contoso.example');
CREATE TABLE directory (
	id INTEGER NOT NULL, 
	site_id INTEGER NOT NULL, 
	kind VARCHAR(10) NOT NULL, 
	object_id VARCHAR(64) NOT NULL, 
	name VARCHAR(256) NOT NULL, 
	dn VARCHAR(1024), 
	mail VARCHAR(254), 
	group_kind VARCHAR(20), 
	members INTEGER NOT NULL, 
	uploaded DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (site_id, kind, object_id), 
	FOREIGN KEY(site_id) REFERENCES sites (id) ON DELETE CASCADE
);
CREATE TABLE schedules (
	id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, 
	name VARCHAR(120) NOT NULL, 
	name_key VARCHAR(480) NOT NULL, 
	spec TEXT NOT NULL, 
	created DATETIME NOT NULL, 
	modified DATETIME NOT NULL, 
	modified_by VARCHAR(254) NOT NULL, 
	UNIQUE (name_key)
);
INSERT INTO "schedules" VALUES(1,'Hourly','hourly','{"kind":"daily","times":{"mode":"many","start":"00:00:00","end":"23:00:00","interval_minutes":60}}','2026-03-02 09:00:00.000000','2026-03-02 09:00:00.000000','admin@contoso.example');
CREATE TABLE sites (
	id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, 
	code VARCHAR(32) NOT NULL, 
	description VARCHAR(500) NOT NULL, 
	engine_version VARCHAR(20) NOT NULL, 
	host_os VARCHAR(100) NOT NULL, 
	time_zone VARCHAR(64) NOT NULL, 
	enabled BOOLEAN NOT NULL, 
	directory_type VARCHAR(20) NOT NULL, 
	ews_endpoint VARCHAR(2048) NOT NULL, 
	ews_service_account VARCHAR(254) NOT NULL, 
	ews_password VARCHAR(1024), 
	ews_impersonation BOOLEAN NOT NULL, 
	key_hash VARCHAR(64) NOT NULL, 
	registered DATETIME NOT NULL, 
	last_active DATETIME, 
	config_version INTEGER NOT NULL, 
	acked_version INTEGER NOT NULL, 
	UNIQUE (code), 
	UNIQUE (key_hash)
);
INSERT INTO "sites" VALUES(1,'LON1','London','2.7.0','','Europe/London',1,'active_directory','','',NULL,1,'26541f994b2ea1eb58a5335d18f413dfb8b5819e13dadb9abe7807a3f1ae7d84','2026-03-02 09:00:00.000000',NULL,2,0);
CREATE TABLE task_log (
	id INTEGER NOT NULL, 
	task_id INTEGER NOT NULL, 
	site_id INTEGER NOT NULL, 
	at DATETIME NOT NULL, 
	line VARCHAR(2000) NOT NULL, 
	PRIMARY KEY (id)
);
CREATE TABLE task_mailboxes (
	task_id INTEGER NOT NULL, 
	mailbox VARCHAR(254) NOT NULL, 
	last_run DATETIME, 
	result VARCHAR(20) NOT NULL, 
	reason VARCHAR(500) NOT NULL, 
	items INTEGER NOT NULL, 
	PRIMARY KEY (task_id, mailbox), 
	FOREIGN KEY(task_id) REFERENCES tasks (id) ON DELETE CASCADE
);
CREATE TABLE tasks (
	id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, 
	site_id INTEGER NOT NULL, 
	type VARCHAR(20) NOT NULL, 
	definition_id INTEGER NOT NULL, 
	schedule_id INTEGER NOT NULL, 
	"group" TEXT NOT NULL, 
	created DATETIME NOT NULL, 
	last_modified DATETIME NOT NULL, 
	last_modified_by VARCHAR(254) NOT NULL, 
	changed_version INTEGER NOT NULL, 
	run_state VARCHAR(20) NOT NULL, 
	command VARCHAR(500) NOT NULL, 
	latest_detail VARCHAR(1000) NOT NULL, 
	sequence INTEGER NOT NULL, 
	last_run DATETIME, 
	FOREIGN KEY(site_id) REFERENCES sites (id), 
	FOREIGN KEY(definition_id) REFERENCES definitions (id), 
	FOREIGN KEY(schedule_id) REFERENCES schedules (id)
);
INSERT INTO "tasks" VALUES(1,1,'mfr',1,1,'{"kind":"single_mailbox","address":"alice@contoso.example"}','2026-03-02 09:00:00.000000','2026-03-02 09:00:00.000000','admin@contoso.example',2,'Idle','','',0,NULL);
CREATE INDEX ix_task_log_task_id ON task_log (task_id);
CREATE INDEX ix_directory_name ON directory (name);
DELETE FROM "sqlite_sequence";
INSERT INTO "sqlite_sequence" VALUES('admins',1);
INSERT INTO "sqlite_sequence" VALUES('sites',1);
INSERT INTO "sqlite_sequence" VALUES('schedules',1);
INSERT INTO "sqlite_sequence" VALUES('definitions',1);
INSERT INTO "sqlite_sequence" VALUES('tasks',1);
COMMIT;
