-- A pool's selector may take only container templates (1), only VM templates (0), or either (NULL).
ALTER TABLE pool ADD COLUMN template_container TINYINT(1) NULL AFTER template_prepared;
