-- Tokens die with their user. Users live in the config, so when a user was removed and later added back
-- (another person, another password) nothing in this table had changed and the old tokens worked again,
-- with the new user's rights. Each token now keeps a stamp of its user's configured credential
-- (dev.corral.web.auth.UserStamp) and works only while the user's current stamp is the same one: a new
-- password, or a user added back with another password, ends every token issued before.
-- NULL: issued before this column existed. Corral fills it when it starts for users still in the config
-- and revokes the tokens of users who are not (dev.corral.web.auth.TokenOwners), so an old token is never
-- taken over by a later user of the same name; until then a NULL stamp matches nothing.
ALTER TABLE auth_token ADD COLUMN user_stamp CHAR(64) NULL AFTER owner;
