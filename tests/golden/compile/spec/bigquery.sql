-- segl: project 'spec', target bigquery
-- as of 2026-11-01 00:00:00 (UTC); window bounds below are literals computed from it
-- results: segl_spec_tags, segl_spec_members, segl_spec_layers, segl_runs

CREATE TEMPORARY TABLE `segl_spec_result` AS
WITH `segl_usr` AS (
  SELECT
    `u`.`user_id` AS `_u`,
    `u`.`gender` AS `p_0`,
    `u`.`city` AS `p_1`,
    IF(IS_NAN(CAST(`u`.`balance` AS FLOAT64)), NULL, CAST(`u`.`balance` AS FLOAT64)) AS `p_2`,
    CAST(`u`.`registered_at` AS DATETIME) AS `p_3`
  FROM `users` AS `u`
  WHERE
    NOT (
      `u`.`user_id` IS NULL
    )
), `segl_ev_0` AS (
  SELECT
    `user_id` AS `_u`,
    CAST(`paid_at` AS DATETIME) AS `_t`,
    IF(IS_NAN(CAST(`amount` AS FLOAT64)), NULL, CAST(`amount` AS FLOAT64)) AS `c0`,
    `brand` AS `c1`,
    `coupon_id` AS `c2`,
    `category` AS `c3`
  FROM `orders`
  WHERE
    CAST(`paid_at` AS DATETIME) < CAST('2026-11-01 00:00:00' AS DATETIME)
), `segl_agg_0` AS (
  SELECT
    `_u` AS `_g`,
    COUNT(1) AS `a0`,
    SUM(CASE WHEN `_t` >= CAST('2026-08-03 00:00:00' AS DATETIME) THEN `c0` END) AS `a1`,
    COUNT(
      CASE
        WHEN `_t` >= CAST('2026-10-25 00:00:00' AS DATETIME) AND `c1` = 'Shiseido'
        THEN 1
      END
    ) AS `a2`,
    COUNT(
      CASE
        WHEN `_t` >= CAST('2026-05-05 00:00:00' AS DATETIME) AND NOT (
          `c2` IS NULL
        )
        THEN 1
      END
    ) AS `a3`,
    COUNT(CASE WHEN `_t` >= CAST('2026-05-05 00:00:00' AS DATETIME) THEN 1 END) AS `a4`
  FROM `segl_ev_0`
  GROUP BY
    `_u`
), `segl_mfc_a5` AS (
  SELECT
    `_u`,
    `v`,
    COUNT(*) AS `n`
  FROM (
    SELECT
      `_u`,
      `c3` AS `v`
    FROM `segl_ev_0`
    WHERE
      `_t` >= CAST('2026-05-05 00:00:00' AS DATETIME)
  ) AS `vals`
  WHERE
    NOT (
      `v` IS NULL
    )
  GROUP BY
    `_u`,
    `v`
), `segl_mf_a5` AS (
  SELECT
    `_u` AS `_g`,
    `v` AS `a5`
  FROM (
    SELECT
      `_u`,
      `v`,
      ROW_NUMBER() OVER (PARTITION BY `_u` ORDER BY `n` DESC, `v` ASC NULLS LAST) AS `r`
    FROM `segl_mfc_a5`
  ) AS `ranked`
  WHERE
    `r` = 1
), `segl_ev_1` AS (
  SELECT
    `user_id` AS `_u`,
    CAST(`ts` AS DATETIME) AS `_t`,
    `name` AS `c0`,
    CAST(`ts` AS DATETIME) AS `c1`
  FROM `events`
  WHERE
    CAST(`ts` AS DATETIME) < CAST('2026-11-01 00:00:00' AS DATETIME)
), `segl_agg_1` AS (
  SELECT
    `_u` AS `_g`,
    COUNT(
      CASE
        WHEN `_t` >= CAST('2026-08-01 00:00:00' AS DATETIME) AND `c0` = 'visit'
        THEN 1
      END
    ) AS `a6`,
    MAX(CASE WHEN `c0` = 'visit' THEN `c1` END) AS `a7`
  FROM `segl_ev_1`
  GROUP BY
    `_u`
), `segl_base` AS (
  SELECT
    `segl_usr`.*,
    COALESCE(`segl_agg_0`.`a0`, 0) AS `a0`,
    IF(IS_NAN(COALESCE(`segl_agg_0`.`a1`, 0)), NULL, COALESCE(`segl_agg_0`.`a1`, 0)) AS `a1`,
    COALESCE(`segl_agg_0`.`a2` > 0, FALSE) AS `a2`,
    COALESCE(`segl_agg_0`.`a3`, 0) AS `a3`,
    COALESCE(`segl_agg_0`.`a4`, 0) AS `a4`,
    `segl_mf_a5`.`a5` AS `a5`,
    COALESCE(`segl_agg_1`.`a6`, 0) AS `a6`,
    `segl_agg_1`.`a7` AS `a7`
  FROM `segl_usr`
  LEFT JOIN `segl_agg_0`
    ON `segl_agg_0`.`_g` = `segl_usr`.`_u`
  LEFT JOIN `segl_mf_a5`
    ON `segl_mf_a5`.`_g` = `segl_usr`.`_u`
  LEFT JOIN `segl_agg_1`
    ON `segl_agg_1`.`_g` = `segl_usr`.`_u`
), `segl_lvl_1` AS (
  SELECT
    *,
    CASE
      WHEN FLOOR(
        (
          DATETIME_DIFF(CAST('2026-11-01 00:00:00' AS DATETIME), `p_3`, MICROSECOND) / 1000000.0
        ) / 86400
      ) <= 30
      THEN 'new'
      WHEN FLOOR(
        (
          DATETIME_DIFF(CAST('2026-11-01 00:00:00' AS DATETIME), `a7`, MICROSECOND) / 1000000.0
        ) / 86400
      ) > 90
      THEN 'churned'
      WHEN `a0` >= 5
      THEN 'loyal'
      ELSE 'mature'
    END AS `d12`
  FROM `segl_base`
)
SELECT
  `_u`,
  `p_0` AS `d0`,
  `p_1` AS `d1`,
  `p_2` AS `d2`,
  `a6` AS `d3`,
  `a0` AS `d4`,
  `a1` AS `d5`,
  `a7` AS `d6`,
  `a2` AS `d7`,
  SAFE_DIVIDE(CAST(`a3` AS FLOAT64), CAST(`a4` AS FLOAT64)) AS `d8`,
  `a5` AS `d9`,
  CASE WHEN `a1` >= 5000 THEN 'high' WHEN `a1` >= 1000 THEN 'mid' ELSE 'low' END AS `d10`,
  COALESCE(`a6` >= 3 AND `a0` >= 1 AND `p_1` = 'Beijing' AND NOT `a2`, FALSE) AS `d11`,
  `d12`,
  COALESCE(`d12` = 'loyal' AND `p_1` = 'Beijing', FALSE) AS `d13`
FROM `segl_lvl_1`;

CREATE TABLE IF NOT EXISTS `segl_spec_tags` AS
SELECT
  CAST(NULL AS DATETIME) AS `as_of`,
  `_u` AS `user_id`,
  CAST(NULL AS STRING) AS `gender`,
  CAST(NULL AS STRING) AS `city`,
  CAST(NULL AS FLOAT64) AS `balance`,
  CAST(NULL AS FLOAT64) AS `visits_3m`,
  CAST(NULL AS FLOAT64) AS `purchases`,
  CAST(NULL AS FLOAT64) AS `spend_90d`,
  CAST(NULL AS DATETIME) AS `last_visit_at`,
  CAST(NULL AS BOOL) AS `bought_shiseido_1w`,
  CAST(NULL AS FLOAT64) AS `coupon_share_180d`,
  CAST(NULL AS STRING) AS `top_category`,
  CAST(NULL AS STRING) AS `value_level`
FROM `segl_spec_result`
WHERE
  1 = 0;

ALTER TABLE `segl_spec_tags`
ADD COLUMN IF NOT EXISTS `gender` STRING;

ALTER TABLE `segl_spec_tags`
ADD COLUMN IF NOT EXISTS `city` STRING;

ALTER TABLE `segl_spec_tags`
ADD COLUMN IF NOT EXISTS `balance` FLOAT64;

ALTER TABLE `segl_spec_tags`
ADD COLUMN IF NOT EXISTS `visits_3m` FLOAT64;

ALTER TABLE `segl_spec_tags`
ADD COLUMN IF NOT EXISTS `purchases` FLOAT64;

ALTER TABLE `segl_spec_tags`
ADD COLUMN IF NOT EXISTS `spend_90d` FLOAT64;

ALTER TABLE `segl_spec_tags`
ADD COLUMN IF NOT EXISTS `last_visit_at` DATETIME;

ALTER TABLE `segl_spec_tags`
ADD COLUMN IF NOT EXISTS `bought_shiseido_1w` BOOL;

ALTER TABLE `segl_spec_tags`
ADD COLUMN IF NOT EXISTS `coupon_share_180d` FLOAT64;

ALTER TABLE `segl_spec_tags`
ADD COLUMN IF NOT EXISTS `top_category` STRING;

ALTER TABLE `segl_spec_tags`
ADD COLUMN IF NOT EXISTS `value_level` STRING;

DELETE FROM `segl_spec_tags`
WHERE
  `as_of` = CAST('2026-11-01 00:00:00' AS DATETIME);

INSERT INTO `segl_spec_tags` (
  `as_of`,
  `user_id`,
  `gender`,
  `city`,
  `balance`,
  `visits_3m`,
  `purchases`,
  `spend_90d`,
  `last_visit_at`,
  `bought_shiseido_1w`,
  `coupon_share_180d`,
  `top_category`,
  `value_level`
)
SELECT
  CAST('2026-11-01 00:00:00' AS DATETIME),
  `_u`,
  CAST(`d0` AS STRING),
  CAST(`d1` AS STRING),
  CAST(`d2` AS FLOAT64),
  CAST(`d3` AS FLOAT64),
  CAST(`d4` AS FLOAT64),
  CAST(`d5` AS FLOAT64),
  CAST(`d6` AS DATETIME),
  CAST(`d7` AS BOOL),
  CAST(`d8` AS FLOAT64),
  CAST(`d9` AS STRING),
  CAST(`d10` AS STRING)
FROM `segl_spec_result`;

CREATE TABLE IF NOT EXISTS `segl_spec_members` AS
SELECT
  CAST(NULL AS DATETIME) AS `as_of`,
  CAST(NULL AS STRING) AS `segment`,
  `_u` AS `user_id`
FROM `segl_spec_result`
WHERE
  1 = 0;

ALTER TABLE `segl_spec_members`
ADD COLUMN IF NOT EXISTS `segment` STRING;

DELETE FROM `segl_spec_members`
WHERE
  `as_of` = CAST('2026-11-01 00:00:00' AS DATETIME);

INSERT INTO `segl_spec_members` (
  `as_of`,
  `segment`,
  `user_id`
)
SELECT
  CAST('2026-11-01 00:00:00' AS DATETIME),
  'beijing_loyal',
  `_u`
FROM `segl_spec_result`
WHERE
  `d11` = TRUE
UNION ALL
SELECT
  CAST('2026-11-01 00:00:00' AS DATETIME),
  'loyal_beijing',
  `_u`
FROM `segl_spec_result`
WHERE
  `d13` = TRUE;

CREATE TABLE IF NOT EXISTS `segl_spec_layers` AS
SELECT
  CAST(NULL AS DATETIME) AS `as_of`,
  CAST(NULL AS STRING) AS `layering`,
  `_u` AS `user_id`,
  CAST(NULL AS STRING) AS `layer`
FROM `segl_spec_result`
WHERE
  1 = 0;

ALTER TABLE `segl_spec_layers`
ADD COLUMN IF NOT EXISTS `layering` STRING;

ALTER TABLE `segl_spec_layers`
ADD COLUMN IF NOT EXISTS `layer` STRING;

DELETE FROM `segl_spec_layers`
WHERE
  `as_of` = CAST('2026-11-01 00:00:00' AS DATETIME);

INSERT INTO `segl_spec_layers` (
  `as_of`,
  `layering`,
  `user_id`,
  `layer`
)
SELECT
  CAST('2026-11-01 00:00:00' AS DATETIME),
  'lifecycle',
  `_u`,
  `d12`
FROM `segl_spec_result`
WHERE
  NOT (
    `d12` IS NULL
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
FROM `segl_spec_result`
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
  `project` = 'spec' AND `as_of` = CAST('2026-11-01 00:00:00' AS DATETIME);

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
  'spec',
  CAST('2026-11-01 00:00:00' AS DATETIME),
  'UTC',
  CAST(CURRENT_TIMESTAMP() AS TIMESTAMP),
  CAST(NULL AS FLOAT64),
  CAST(COUNT(*) AS INT64),
  '4a517bbbea3889e02855161aa761490883b2d46c0b97788a80e4eb83d14e037d',
  'unknown',
  '{"balance": "2c59bcf5cfa9f4f8", "beijing_loyal": "61ab1ade49e61ef7", "bought_shiseido_1w": "4518aad56ed19214", "city": "9aee588242a23196", "coupon_share_180d": "935260041ac857f5", "gender": "443be76210ae049b", "last_visit_at": "6c98d38d4788908a", "lifecycle": "678f6485abb7676d", "loyal_beijing": "b60fdde03551c17d", "purchases": "ea659ec15178247d", "spend_90d": "093ed7a45812b673", "top_category": "feab6644b5e54a85", "value_level": "3eced886b5e45c76", "visits_3m": "8fe5c08d0eb0c193"}'
FROM `segl_spec_result`;

DROP TABLE IF EXISTS `segl_spec_result`;
