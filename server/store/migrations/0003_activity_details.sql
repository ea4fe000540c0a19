-- Reason codes and the policy explanation of each decision, and what the
-- agent did to a downloaded file afterwards.
ALTER TABLE activities ADD COLUMN codes TEXT NOT NULL DEFAULT '[]';
ALTER TABLE activities ADD COLUMN explain TEXT NOT NULL DEFAULT '';
ALTER TABLE activities ADD COLUMN file_label TEXT NOT NULL DEFAULT '';
ALTER TABLE activities ADD COLUMN file_detectors TEXT NOT NULL DEFAULT '[]';
ALTER TABLE activities ADD COLUMN stored_label TEXT NOT NULL DEFAULT '';
ALTER TABLE activities ADD COLUMN stored_encryption TEXT NOT NULL DEFAULT '';
ALTER TABLE activities ADD COLUMN stored_sha256 TEXT NOT NULL DEFAULT '';
ALTER TABLE activities ADD COLUMN stored_file_name TEXT NOT NULL DEFAULT '';
