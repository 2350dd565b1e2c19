-- segl: project 'nev', target bigquery
-- as of 2026-11-01 00:00:00 (Asia/Shanghai); window bounds below are literals computed from it
-- results: segl_nev_tags, segl_nev_members, segl_nev_layers, segl_runs
-- journeys are decided by `segl run` only: this script leaves them out

CREATE TEMPORARY TABLE `segl_nev_result` AS
WITH `segl_usr` AS (
  SELECT
    `u`.`lead_id` AS `_u`,
    `u`.`source_channel` AS `p_0`,
    CAST(`u`.`created_at` AS DATETIME) AS `p_1`
  FROM `nev_leads` AS `u`
  WHERE
    NOT (
      IF(IS_NAN(`u`.`lead_id`), NULL, `u`.`lead_id`) IS NULL
    )
), `segl_ev_0` AS (
  SELECT
    `lead_id` AS `_u`,
    CAST(`ts` AS DATETIME) AS `_t`,
    CAST(`ts` AS DATETIME) AS `c0`,
    `stage` AS `c1`,
    `store` AS `c2`,
    `model` AS `c3`
  FROM `nev_events`
  WHERE
    CAST(`ts` AS DATETIME) < CAST('2026-11-01 00:00:00' AS DATETIME)
), `segl_evr_0` AS (
  SELECT
    *,
    MAX(CASE WHEN `c1` = 'deposit' THEN `_t` END) OVER (PARTITION BY `_u`) AS `t_a8`,
    MAX(CASE WHEN `c1` = 'test_drive' THEN `_t` END) OVER (PARTITION BY `_u`) AS `t_a9`,
    MAX(CASE WHEN `c1` = 'test_drive' THEN `_t` END) OVER (PARTITION BY `_u`) AS `t_a10`,
    MAX(CASE WHEN `c1` = 'deposit' THEN `_t` END) OVER (PARTITION BY `_u`) AS `t_a11`
  FROM `segl_ev_0`
), `segl_agg_0` AS (
  SELECT
    `_u` AS `_g`,
    MIN(CASE WHEN `c1` = 'store_visit' THEN `c0` END) AS `a0`,
    MIN(CASE WHEN `c1` = 'add_wecom' THEN `c0` END) AS `a1`,
    MIN(CASE WHEN `c1` = 'test_drive' THEN `c0` END) AS `a2`,
    MIN(CASE WHEN `c1` = 'deposit' THEN `c0` END) AS `a3`,
    MIN(CASE WHEN `c1` = 'delivery' THEN `c0` END) AS `a4`,
    COUNT(
      CASE
        WHEN `_t` >= CAST('2026-05-05 00:00:00' AS DATETIME) AND `c1` = 'after_sales'
        THEN 1
      END
    ) AS `a5`,
    MAX(`c0`) AS `a6`,
    COUNT(CASE WHEN `c1` = 'test_drive' THEN 1 END) AS `a7`,
    MAX(CASE WHEN `c1` = 'deposit' AND `_t` = `t_a8` THEN `c2` END) AS `a8`,
    MAX(CASE WHEN `c1` = 'test_drive' AND `_t` = `t_a9` THEN `c3` END) AS `a9`,
    MAX(CASE WHEN `c1` = 'test_drive' AND `_t` = `t_a10` THEN `c2` END) AS `a10`,
    MAX(CASE WHEN `c1` = 'deposit' AND `_t` = `t_a11` THEN `c3` END) AS `a11`
  FROM `segl_evr_0`
  GROUP BY
    `_u`
), `segl_base` AS (
  SELECT
    `segl_usr`.*,
    `segl_agg_0`.`a0` AS `a0`,
    `segl_agg_0`.`a1` AS `a1`,
    `segl_agg_0`.`a2` AS `a2`,
    `segl_agg_0`.`a3` AS `a3`,
    `segl_agg_0`.`a4` AS `a4`,
    COALESCE(`segl_agg_0`.`a5`, 0) AS `a5`,
    `segl_agg_0`.`a6` AS `a6`,
    COALESCE(`segl_agg_0`.`a7`, 0) AS `a7`,
    `segl_agg_0`.`a8` AS `a8`,
    `segl_agg_0`.`a9` AS `a9`,
    `segl_agg_0`.`a10` AS `a10`,
    `segl_agg_0`.`a11` AS `a11`
  FROM `segl_usr`
  LEFT JOIN `segl_agg_0`
    ON `segl_agg_0`.`_g` = `segl_usr`.`_u`
), `segl_lvl_1` AS (
  SELECT
    *,
    CASE
      WHEN `a5` >= 1
      THEN 'after_sales'
      WHEN NOT (
        `a4` IS NULL
      )
      THEN 'delivered'
      WHEN NOT (
        `a3` IS NULL
      )
      THEN 'deposit'
      WHEN NOT (
        `a2` IS NULL
      )
      THEN 'test_drive'
      WHEN NOT (
        `a1` IS NULL
      )
      THEN 'wecom'
      WHEN NOT (
        `a0` IS NULL
      )
      THEN 'store_visit'
      ELSE 'lead'
    END AS `d6`,
    FLOOR(
      (
        DATETIME_DIFF(CAST('2026-11-01 00:00:00' AS DATETIME), `a6`, MICROSECOND) / 1000000.0
      ) / 86400
    ) AS `d10`
  FROM `segl_base`
)
SELECT
  `_u`,
  `a0` AS `d0`,
  `a1` AS `d1`,
  `a2` AS `d2`,
  `a3` AS `d3`,
  `a4` AS `d4`,
  `a5` AS `d5`,
  `d6`,
  COALESCE(
    `d6` = 'test_drive'
    AND (
      FLOOR(
        (
          DATETIME_DIFF(CAST('2026-11-01 00:00:00' AS DATETIME), `a2`, MICROSECOND) / 1000000.0
        ) / 86400
      ) >= 7
      AND FLOOR(
        (
          DATETIME_DIFF(CAST('2026-11-01 00:00:00' AS DATETIME), `a2`, MICROSECOND) / 1000000.0
        ) / 86400
      ) <= 21
    ),
    FALSE
  ) AS `d7`,
  COALESCE(
    `d6` = 'deposit'
    AND FLOOR(
      (
        DATETIME_DIFF(CAST('2026-11-01 00:00:00' AS DATETIME), `a3`, MICROSECOND) / 1000000.0
      ) / 86400
    ) > 90,
    FALSE
  ) AS `d8`,
  `a6` AS `d9`,
  `d10`,
  COALESCE(`d6` IN ('store_visit', 'wecom') AND `d10` <= 30, FALSE) AS `d11`,
  COALESCE(`d6` IN ('lead', 'store_visit', 'wecom', 'test_drive') AND `d10` > 60, FALSE) AS `d12`,
  COALESCE(
    `p_0` = 'douyin'
    AND FLOOR(
      (
        DATETIME_DIFF(CAST('2026-11-01 00:00:00' AS DATETIME), `p_1`, MICROSECOND) / 1000000.0
      ) / 86400
    ) <= 14
    AND `d6` <> 'lead',
    FALSE
  ) AS `d13`,
  `a7` AS `d14`,
  `a8` AS `d15`,
  FLOOR((
    DATETIME_DIFF(`a3`, `a2`, MICROSECOND) / 1000000.0
  ) / 86400) AS `d16`,
  `a9` AS `d17`,
  `a10` AS `d18`,
  `a11` AS `d19`,
  `a9` AS `d20`,
  `a10` AS `d21`,
  `a9` AS `d22`,
  `a11` AS `d23`,
  `a8` AS `d24`,
  `a11` AS `d25`,
  `a11` AS `d26`,
  `a8` AS `d27`
FROM `segl_lvl_1`;

CREATE TABLE IF NOT EXISTS `segl_nev_tags` AS
SELECT
  CAST(NULL AS DATETIME) AS `as_of`,
  `_u` AS `user_id`,
  CAST(NULL AS DATETIME) AS `store_visit_at`,
  CAST(NULL AS DATETIME) AS `wecom_added_at`,
  CAST(NULL AS DATETIME) AS `test_drive_at`,
  CAST(NULL AS DATETIME) AS `deposit_at`,
  CAST(NULL AS DATETIME) AS `delivery_at`,
  CAST(NULL AS FLOAT64) AS `service_visits_180d`,
  CAST(NULL AS DATETIME) AS `last_touch_at`,
  CAST(NULL AS FLOAT64) AS `days_since_touch`,
  CAST(NULL AS FLOAT64) AS `test_drives`,
  CAST(NULL AS STRING) AS `deposit_store`,
  CAST(NULL AS FLOAT64) AS `test_drive_to_deposit_days`,
  CAST(NULL AS STRING) AS `test_drive_model`,
  CAST(NULL AS STRING) AS `test_drive_store`,
  CAST(NULL AS STRING) AS `deposit_model`
FROM `segl_nev_result`
WHERE
  1 = 0;

ALTER TABLE `segl_nev_tags`
ADD COLUMN IF NOT EXISTS `store_visit_at` DATETIME;

ALTER TABLE `segl_nev_tags`
ADD COLUMN IF NOT EXISTS `wecom_added_at` DATETIME;

ALTER TABLE `segl_nev_tags`
ADD COLUMN IF NOT EXISTS `test_drive_at` DATETIME;

ALTER TABLE `segl_nev_tags`
ADD COLUMN IF NOT EXISTS `deposit_at` DATETIME;

ALTER TABLE `segl_nev_tags`
ADD COLUMN IF NOT EXISTS `delivery_at` DATETIME;

ALTER TABLE `segl_nev_tags`
ADD COLUMN IF NOT EXISTS `service_visits_180d` FLOAT64;

ALTER TABLE `segl_nev_tags`
ADD COLUMN IF NOT EXISTS `last_touch_at` DATETIME;

ALTER TABLE `segl_nev_tags`
ADD COLUMN IF NOT EXISTS `days_since_touch` FLOAT64;

ALTER TABLE `segl_nev_tags`
ADD COLUMN IF NOT EXISTS `test_drives` FLOAT64;

ALTER TABLE `segl_nev_tags`
ADD COLUMN IF NOT EXISTS `deposit_store` STRING;

ALTER TABLE `segl_nev_tags`
ADD COLUMN IF NOT EXISTS `test_drive_to_deposit_days` FLOAT64;

ALTER TABLE `segl_nev_tags`
ADD COLUMN IF NOT EXISTS `test_drive_model` STRING;

ALTER TABLE `segl_nev_tags`
ADD COLUMN IF NOT EXISTS `test_drive_store` STRING;

ALTER TABLE `segl_nev_tags`
ADD COLUMN IF NOT EXISTS `deposit_model` STRING;

DELETE FROM `segl_nev_tags`
WHERE
  `as_of` = CAST('2026-11-01 00:00:00' AS DATETIME);

INSERT INTO `segl_nev_tags` (
  `as_of`,
  `user_id`,
  `store_visit_at`,
  `wecom_added_at`,
  `test_drive_at`,
  `deposit_at`,
  `delivery_at`,
  `service_visits_180d`,
  `last_touch_at`,
  `days_since_touch`,
  `test_drives`,
  `deposit_store`,
  `test_drive_to_deposit_days`,
  `test_drive_model`,
  `test_drive_store`,
  `deposit_model`
)
SELECT
  CAST('2026-11-01 00:00:00' AS DATETIME),
  `_u`,
  CAST(`d0` AS DATETIME),
  CAST(`d1` AS DATETIME),
  CAST(`d2` AS DATETIME),
  CAST(`d3` AS DATETIME),
  CAST(`d4` AS DATETIME),
  CAST(`d5` AS FLOAT64),
  CAST(`d9` AS DATETIME),
  CAST(`d10` AS FLOAT64),
  CAST(`d14` AS FLOAT64),
  CAST(`d15` AS STRING),
  CAST(`d16` AS FLOAT64),
  CAST(`d17` AS STRING),
  CAST(`d18` AS STRING),
  CAST(`d19` AS STRING)
FROM `segl_nev_result`;

CREATE TABLE IF NOT EXISTS `segl_nev_members` AS
SELECT
  CAST(NULL AS DATETIME) AS `as_of`,
  CAST(NULL AS STRING) AS `segment`,
  `_u` AS `user_id`
FROM `segl_nev_result`
WHERE
  1 = 0;

ALTER TABLE `segl_nev_members`
ADD COLUMN IF NOT EXISTS `segment` STRING;

DELETE FROM `segl_nev_members`
WHERE
  `as_of` = CAST('2026-11-01 00:00:00' AS DATETIME);

INSERT INTO `segl_nev_members` (
  `as_of`,
  `segment`,
  `user_id`
)
SELECT
  CAST('2026-11-01 00:00:00' AS DATETIME),
  'deposit_follow_up',
  `_u`
FROM `segl_nev_result`
WHERE
  `d7` = TRUE
UNION ALL
SELECT
  CAST('2026-11-01 00:00:00' AS DATETIME),
  'delivery_overdue',
  `_u`
FROM `segl_nev_result`
WHERE
  `d8` = TRUE
UNION ALL
SELECT
  CAST('2026-11-01 00:00:00' AS DATETIME),
  'invite_test_drive',
  `_u`
FROM `segl_nev_result`
WHERE
  `d11` = TRUE
UNION ALL
SELECT
  CAST('2026-11-01 00:00:00' AS DATETIME),
  'stale_leads',
  `_u`
FROM `segl_nev_result`
WHERE
  `d12` = TRUE
UNION ALL
SELECT
  CAST('2026-11-01 00:00:00' AS DATETIME),
  'douyin_hot_leads',
  `_u`
FROM `segl_nev_result`
WHERE
  `d13` = TRUE;

CREATE TABLE IF NOT EXISTS `segl_nev_layers` AS
SELECT
  CAST(NULL AS DATETIME) AS `as_of`,
  CAST(NULL AS STRING) AS `layering`,
  `_u` AS `user_id`,
  CAST(NULL AS STRING) AS `layer`
FROM `segl_nev_result`
WHERE
  1 = 0;

ALTER TABLE `segl_nev_layers`
ADD COLUMN IF NOT EXISTS `layering` STRING;

ALTER TABLE `segl_nev_layers`
ADD COLUMN IF NOT EXISTS `layer` STRING;

DELETE FROM `segl_nev_layers`
WHERE
  `as_of` = CAST('2026-11-01 00:00:00' AS DATETIME);

INSERT INTO `segl_nev_layers` (
  `as_of`,
  `layering`,
  `user_id`,
  `layer`
)
SELECT
  CAST('2026-11-01 00:00:00' AS DATETIME),
  'stage',
  `_u`,
  `d6`
FROM `segl_nev_result`
WHERE
  NOT (
    `d6` IS NULL
  );

CREATE TABLE IF NOT EXISTS `segl_runs` AS
SELECT
  CAST(NULL AS STRING) AS `project`,
  CAST(NULL AS DATETIME) AS `as_of`,
  CAST(NULL AS STRING) AS `timezone`,
  CAST(NULL AS TIMESTAMP) AS `run_at`,
  CAST(NULL AS FLOAT64) AS `duration_seconds`,
  CAST(NULL AS INT64) AS `users`,
  CAST(NULL AS STRING) AS `rules_fingerprint`,
  CAST(NULL AS STRING) AS `segl_version`,
  CAST(NULL AS STRING) AS `definitions`
FROM `segl_nev_result`
WHERE
  1 = 0;

ALTER TABLE `segl_runs`
ADD COLUMN IF NOT EXISTS `timezone` STRING;

ALTER TABLE `segl_runs`
ADD COLUMN IF NOT EXISTS `run_at` TIMESTAMP;

ALTER TABLE `segl_runs`
ADD COLUMN IF NOT EXISTS `duration_seconds` FLOAT64;

ALTER TABLE `segl_runs`
ADD COLUMN IF NOT EXISTS `users` INT64;

ALTER TABLE `segl_runs`
ADD COLUMN IF NOT EXISTS `rules_fingerprint` STRING;

ALTER TABLE `segl_runs`
ADD COLUMN IF NOT EXISTS `segl_version` STRING;

ALTER TABLE `segl_runs`
ADD COLUMN IF NOT EXISTS `definitions` STRING;

DELETE FROM `segl_runs`
WHERE
  `project` = 'nev' AND `as_of` = CAST('2026-11-01 00:00:00' AS DATETIME);

INSERT INTO `segl_runs` (
  `project`,
  `as_of`,
  `timezone`,
  `run_at`,
  `duration_seconds`,
  `users`,
  `rules_fingerprint`,
  `segl_version`,
  `definitions`
)
SELECT
  'nev',
  CAST('2026-11-01 00:00:00' AS DATETIME),
  'Asia/Shanghai',
  CAST(CURRENT_TIMESTAMP() AS TIMESTAMP),
  CAST(NULL AS FLOAT64),
  CAST(COUNT(*) AS INT64),
  'e675b5aa64ff02c96428bd30cbfed4df396e226f1a7f673ad0ffe73efc8c31cc',
  'unknown',
  '{"days_since_touch": "6d96283bcb0ebe6e", "delivery_at": "f2bb0063aaf8d11a", "delivery_overdue": "250273930b77fd75", "deposit_at": "543047310560ac58", "deposit_follow_up": "e998c9e9f43dacd3", "deposit_model": "b990d192b83590e1", "deposit_store": "056f7a668c29b380", "douyin_hot_leads": "c61965ddfbef7f24", "invite_test_drive": "b752a47cc8642eb8", "last_touch_at": "b59242d4e441069e", "service_visits_180d": "612105fa43be454c", "stage": "7c5f0aa31aac8cc9", "stale_leads": "250d0999e5fa9f70", "store_visit_at": "54791a1dd32ac333", "test_drive_at": "ac525a9f044e4655", "test_drive_model": "518531c28dd0bdfb", "test_drive_store": "757a28d229720df8", "test_drive_to_deposit_days": "8858d6f016220323", "test_drives": "35f09ea7fc86ae7a", "wecom_added_at": "2a32fa5c25d355db"}'
FROM `segl_nev_result`;

DROP TABLE IF EXISTS `segl_nev_result`;
