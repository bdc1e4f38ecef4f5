-- Reverts 0003_feedback.sql.
DROP TABLE IF EXISTS `match_feedback`;
