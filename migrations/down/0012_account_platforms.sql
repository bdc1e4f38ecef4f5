-- Reverts 0012_account_platforms.sql: accounts lose their platforms (coverage counts every technique again).
ALTER TABLE `accounts` DROP COLUMN `platforms`;
