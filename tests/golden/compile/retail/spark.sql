-- segl: project 'retail', target spark
-- as of 2026-11-01 00:00:00 (Asia/Shanghai); window bounds below are literals computed from it
-- results: segl_retail_tags, segl_retail_members, segl_retail_layers, segl_retail_persons, segl_retail_shared_ids, segl_runs
-- journeys are decided by `segl run` only: this script leaves them out
-- alerts are evaluated by `segl run` only: this script leaves them out

SET TIME ZONE 'Asia/Shanghai';

DROP TABLE IF EXISTS `segl_retail_id_links`;

CREATE TABLE `segl_retail_id_links`
USING PARQUET AS
SELECT DISTINCT
  `a`,
  `b`
FROM (
  SELECT
    CASE WHEN `y` < `x` THEN `x` ELSE `y` END AS `a`,
    CASE WHEN `y` < `x` THEN `y` ELSE `x` END AS `b`
  FROM (
    SELECT
      'member:' || CAST(CASE
        WHEN CASE
          WHEN `s`.`user_id` < CAST(1e+19 AS DOUBLE)
          AND `s`.`user_id` > (
            -CAST(1e+19 AS DOUBLE)
          )
          THEN CASE
            WHEN CAST(`s`.`user_id` AS DECIMAL(38, 0)) >= (
              -9223372036854775808
            )
            AND CAST(`s`.`user_id` AS DECIMAL(38, 0)) < 9223372036854775808
            THEN `s`.`user_id` = FLOOR(`s`.`user_id`)
            ELSE FALSE
          END
          ELSE FALSE
        END
        THEN CAST(`s`.`user_id` AS BIGINT)
      END AS STRING) AS `x`,
      'openid:' || CAST(`s`.`openid` AS STRING) AS `y`
    FROM `wechat_bindings` AS `s`
    WHERE
      NOT (
        CAST(CASE
          WHEN CASE
            WHEN `s`.`user_id` < CAST(1e+19 AS DOUBLE)
            AND `s`.`user_id` > (
              -CAST(1e+19 AS DOUBLE)
            )
            THEN CASE
              WHEN CAST(`s`.`user_id` AS DECIMAL(38, 0)) >= (
                -9223372036854775808
              )
              AND CAST(`s`.`user_id` AS DECIMAL(38, 0)) < 9223372036854775808
              THEN `s`.`user_id` = FLOOR(`s`.`user_id`)
              ELSE FALSE
            END
            ELSE FALSE
          END
          THEN CAST(`s`.`user_id` AS BIGINT)
        END AS STRING) IS NULL
      )
      AND NOT (
        CAST(`s`.`openid` AS STRING) IS NULL
      )
      AND CAST(`s`.`bound_at` AS TIMESTAMP_NTZ) < CAST('2026-11-01 00:00:00' AS TIMESTAMP_NTZ)
  ) AS `p`
  WHERE
    `x` <> `y`
  UNION ALL
  SELECT
    CASE WHEN `y` < `x` THEN `x` ELSE `y` END AS `a`,
    CASE WHEN `y` < `x` THEN `y` ELSE `x` END AS `b`
  FROM (
    SELECT
      'device:' || CAST(`s`.`device_id` AS STRING) AS `x`,
      'openid:' || CAST(`s`.`openid` AS STRING) AS `y`
    FROM `app_events` AS `s`
    WHERE
      NOT (
        CAST(`s`.`device_id` AS STRING) IS NULL
      )
      AND NOT (
        CAST(`s`.`openid` AS STRING) IS NULL
      )
      AND CAST(`s`.`ts` AS TIMESTAMP_NTZ) < CAST('2026-11-01 00:00:00' AS TIMESTAMP_NTZ)
  ) AS `p`
  WHERE
    `x` <> `y`
) AS `l`;

DROP TABLE IF EXISTS `segl_retail_id_ids`;

CREATE TABLE `segl_retail_id_ids`
USING PARQUET AS
SELECT
  `kind` || ':' || `id` AS `n`,
  `kind`,
  `id`,
  `pref`
FROM (
  SELECT
    'member' AS `kind`,
    CAST(CASE
      WHEN CASE
        WHEN `s`.`user_id` < CAST(1e+19 AS DOUBLE)
        AND `s`.`user_id` > (
          -CAST(1e+19 AS DOUBLE)
        )
        THEN CASE
          WHEN CAST(`s`.`user_id` AS DECIMAL(38, 0)) >= (
            -9223372036854775808
          )
          AND CAST(`s`.`user_id` AS DECIMAL(38, 0)) < 9223372036854775808
          THEN `s`.`user_id` = FLOOR(`s`.`user_id`)
          ELSE FALSE
        END
        ELSE FALSE
      END
      THEN CAST(`s`.`user_id` AS BIGINT)
    END AS STRING) AS `id`,
    0 AS `pref`
  FROM `users` AS `s`
  WHERE
    NOT (
      CAST(CASE
        WHEN CASE
          WHEN `s`.`user_id` < CAST(1e+19 AS DOUBLE)
          AND `s`.`user_id` > (
            -CAST(1e+19 AS DOUBLE)
          )
          THEN CASE
            WHEN CAST(`s`.`user_id` AS DECIMAL(38, 0)) >= (
              -9223372036854775808
            )
            AND CAST(`s`.`user_id` AS DECIMAL(38, 0)) < 9223372036854775808
            THEN `s`.`user_id` = FLOOR(`s`.`user_id`)
            ELSE FALSE
          END
          ELSE FALSE
        END
        THEN CAST(`s`.`user_id` AS BIGINT)
      END AS STRING) IS NULL
    )
    AND (
      CAST(`s`.`registered_at` AS TIMESTAMP_NTZ) IS NULL
      OR CAST(`s`.`registered_at` AS TIMESTAMP_NTZ) < CAST('2026-11-01 00:00:00' AS TIMESTAMP_NTZ)
    )
  UNION
  SELECT
    'member' AS `kind`,
    CAST(CASE
      WHEN CASE
        WHEN `s`.`user_id` < CAST(1e+19 AS DOUBLE)
        AND `s`.`user_id` > (
          -CAST(1e+19 AS DOUBLE)
        )
        THEN CASE
          WHEN CAST(`s`.`user_id` AS DECIMAL(38, 0)) >= (
            -9223372036854775808
          )
          AND CAST(`s`.`user_id` AS DECIMAL(38, 0)) < 9223372036854775808
          THEN `s`.`user_id` = FLOOR(`s`.`user_id`)
          ELSE FALSE
        END
        ELSE FALSE
      END
      THEN CAST(`s`.`user_id` AS BIGINT)
    END AS STRING) AS `id`,
    0 AS `pref`
  FROM `wechat_bindings` AS `s`
  WHERE
    NOT (
      CAST(CASE
        WHEN CASE
          WHEN `s`.`user_id` < CAST(1e+19 AS DOUBLE)
          AND `s`.`user_id` > (
            -CAST(1e+19 AS DOUBLE)
          )
          THEN CASE
            WHEN CAST(`s`.`user_id` AS DECIMAL(38, 0)) >= (
              -9223372036854775808
            )
            AND CAST(`s`.`user_id` AS DECIMAL(38, 0)) < 9223372036854775808
            THEN `s`.`user_id` = FLOOR(`s`.`user_id`)
            ELSE FALSE
          END
          ELSE FALSE
        END
        THEN CAST(`s`.`user_id` AS BIGINT)
      END AS STRING) IS NULL
    )
    AND CAST(`s`.`bound_at` AS TIMESTAMP_NTZ) < CAST('2026-11-01 00:00:00' AS TIMESTAMP_NTZ)
  UNION
  SELECT
    'openid' AS `kind`,
    CAST(`s`.`openid` AS STRING) AS `id`,
    1 AS `pref`
  FROM `wechat_bindings` AS `s`
  WHERE
    NOT (
      CAST(`s`.`openid` AS STRING) IS NULL
    )
    AND CAST(`s`.`bound_at` AS TIMESTAMP_NTZ) < CAST('2026-11-01 00:00:00' AS TIMESTAMP_NTZ)
  UNION
  SELECT
    'device' AS `kind`,
    CAST(`s`.`device_id` AS STRING) AS `id`,
    2 AS `pref`
  FROM `app_events` AS `s`
  WHERE
    NOT (
      CAST(`s`.`device_id` AS STRING) IS NULL
    )
    AND CAST(`s`.`ts` AS TIMESTAMP_NTZ) < CAST('2026-11-01 00:00:00' AS TIMESTAMP_NTZ)
  UNION
  SELECT
    'openid' AS `kind`,
    CAST(`s`.`openid` AS STRING) AS `id`,
    1 AS `pref`
  FROM `app_events` AS `s`
  WHERE
    NOT (
      CAST(`s`.`openid` AS STRING) IS NULL
    )
    AND CAST(`s`.`ts` AS TIMESTAMP_NTZ) < CAST('2026-11-01 00:00:00' AS TIMESTAMP_NTZ)
) AS `i`;

DROP TABLE IF EXISTS `segl_retail_id_shared`;

CREATE TABLE `segl_retail_id_shared`
USING PARQUET AS
SELECT
  `n`,
  COUNT(*) AS `links`
FROM (
  SELECT
    `a` AS `n`
  FROM `segl_retail_id_links`
  UNION ALL
  SELECT
    `b` AS `n`
  FROM `segl_retail_id_links`
) AS `d`
GROUP BY
  `n`
HAVING
  COUNT(*) > 20;

DROP TABLE IF EXISTS `segl_retail_id_e0`;

CREATE TABLE `segl_retail_id_e0`
USING PARQUET AS
SELECT
  `a`,
  `b`
FROM `segl_retail_id_links`
WHERE
  NOT `a` IN (
    SELECT
      `n`
    FROM `segl_retail_id_shared`
  )
  AND NOT `b` IN (
    SELECT
      `n`
    FROM `segl_retail_id_shared`
  );

DROP TABLE IF EXISTS `segl_retail_id_e1`;

CREATE TABLE `segl_retail_id_e1`
USING PARQUET AS
SELECT DISTINCT
  `n`.`v` AS `a`,
  CASE WHEN `m`.`u` < `m`.`mv` THEN `m`.`u` ELSE `m`.`mv` END AS `b`
FROM (
  SELECT
    `a` AS `u`,
    `b` AS `v`
  FROM `segl_retail_id_e0`
  UNION ALL
  SELECT
    `b` AS `u`,
    `a` AS `v`
  FROM `segl_retail_id_e0`
) AS `n`
INNER JOIN (
  SELECT
    `u`,
    MIN(`v`) AS `mv`
  FROM (
    SELECT
      `a` AS `u`,
      `b` AS `v`
    FROM `segl_retail_id_e0`
    UNION ALL
    SELECT
      `b` AS `u`,
      `a` AS `v`
    FROM `segl_retail_id_e0`
  ) AS `nb`
  GROUP BY
    `u`
) AS `m`
  ON `m`.`u` = `n`.`u`
WHERE
  `n`.`u` < `n`.`v`;

DROP TABLE IF EXISTS `segl_retail_id_e2`;

CREATE TABLE `segl_retail_id_e2`
USING PARQUET AS
SELECT DISTINCT
  `a`,
  `b`
FROM (
  SELECT
    `e`.`b` AS `a`,
    `m`.`mv` AS `b`
  FROM `segl_retail_id_e1` AS `e`
  INNER JOIN (
    SELECT
      `a` AS `u`,
      MIN(`b`) AS `mv`
    FROM `segl_retail_id_e1`
    GROUP BY
      `a`
  ) AS `m`
    ON `m`.`u` = `e`.`a`
  WHERE
    `e`.`b` <> `m`.`mv`
  UNION ALL
  SELECT
    `u` AS `a`,
    `mv` AS `b`
  FROM (
    SELECT
      `a` AS `u`,
      MIN(`b`) AS `mv`
    FROM `segl_retail_id_e1`
    GROUP BY
      `a`
  ) AS `c`
) AS `s`;

DROP TABLE IF EXISTS `segl_retail_id_e1`;

DROP TABLE IF EXISTS `segl_retail_id_e0`;

DROP TABLE IF EXISTS `segl_retail_id_e3`;

CREATE TABLE `segl_retail_id_e3`
USING PARQUET AS
SELECT DISTINCT
  `n`.`v` AS `a`,
  CASE WHEN `m`.`u` < `m`.`mv` THEN `m`.`u` ELSE `m`.`mv` END AS `b`
FROM (
  SELECT
    `a` AS `u`,
    `b` AS `v`
  FROM `segl_retail_id_e2`
  UNION ALL
  SELECT
    `b` AS `u`,
    `a` AS `v`
  FROM `segl_retail_id_e2`
) AS `n`
INNER JOIN (
  SELECT
    `u`,
    MIN(`v`) AS `mv`
  FROM (
    SELECT
      `a` AS `u`,
      `b` AS `v`
    FROM `segl_retail_id_e2`
    UNION ALL
    SELECT
      `b` AS `u`,
      `a` AS `v`
    FROM `segl_retail_id_e2`
  ) AS `nb`
  GROUP BY
    `u`
) AS `m`
  ON `m`.`u` = `n`.`u`
WHERE
  `n`.`u` < `n`.`v`;

DROP TABLE IF EXISTS `segl_retail_id_e4`;

CREATE TABLE `segl_retail_id_e4`
USING PARQUET AS
SELECT DISTINCT
  `a`,
  `b`
FROM (
  SELECT
    `e`.`b` AS `a`,
    `m`.`mv` AS `b`
  FROM `segl_retail_id_e3` AS `e`
  INNER JOIN (
    SELECT
      `a` AS `u`,
      MIN(`b`) AS `mv`
    FROM `segl_retail_id_e3`
    GROUP BY
      `a`
  ) AS `m`
    ON `m`.`u` = `e`.`a`
  WHERE
    `e`.`b` <> `m`.`mv`
  UNION ALL
  SELECT
    `u` AS `a`,
    `mv` AS `b`
  FROM (
    SELECT
      `a` AS `u`,
      MIN(`b`) AS `mv`
    FROM `segl_retail_id_e3`
    GROUP BY
      `a`
  ) AS `c`
) AS `s`;

DROP TABLE IF EXISTS `segl_retail_id_e3`;

DROP TABLE IF EXISTS `segl_retail_id_e2`;

DROP TABLE IF EXISTS `segl_retail_id_e5`;

CREATE TABLE `segl_retail_id_e5`
USING PARQUET AS
SELECT DISTINCT
  `n`.`v` AS `a`,
  CASE WHEN `m`.`u` < `m`.`mv` THEN `m`.`u` ELSE `m`.`mv` END AS `b`
FROM (
  SELECT
    `a` AS `u`,
    `b` AS `v`
  FROM `segl_retail_id_e4`
  UNION ALL
  SELECT
    `b` AS `u`,
    `a` AS `v`
  FROM `segl_retail_id_e4`
) AS `n`
INNER JOIN (
  SELECT
    `u`,
    MIN(`v`) AS `mv`
  FROM (
    SELECT
      `a` AS `u`,
      `b` AS `v`
    FROM `segl_retail_id_e4`
    UNION ALL
    SELECT
      `b` AS `u`,
      `a` AS `v`
    FROM `segl_retail_id_e4`
  ) AS `nb`
  GROUP BY
    `u`
) AS `m`
  ON `m`.`u` = `n`.`u`
WHERE
  `n`.`u` < `n`.`v`;

DROP TABLE IF EXISTS `segl_retail_id_e6`;

CREATE TABLE `segl_retail_id_e6`
USING PARQUET AS
SELECT DISTINCT
  `a`,
  `b`
FROM (
  SELECT
    `e`.`b` AS `a`,
    `m`.`mv` AS `b`
  FROM `segl_retail_id_e5` AS `e`
  INNER JOIN (
    SELECT
      `a` AS `u`,
      MIN(`b`) AS `mv`
    FROM `segl_retail_id_e5`
    GROUP BY
      `a`
  ) AS `m`
    ON `m`.`u` = `e`.`a`
  WHERE
    `e`.`b` <> `m`.`mv`
  UNION ALL
  SELECT
    `u` AS `a`,
    `mv` AS `b`
  FROM (
    SELECT
      `a` AS `u`,
      MIN(`b`) AS `mv`
    FROM `segl_retail_id_e5`
    GROUP BY
      `a`
  ) AS `c`
) AS `s`;

DROP TABLE IF EXISTS `segl_retail_id_e5`;

DROP TABLE IF EXISTS `segl_retail_id_e4`;

DROP TABLE IF EXISTS `segl_retail_id_e7`;

CREATE TABLE `segl_retail_id_e7`
USING PARQUET AS
SELECT DISTINCT
  `n`.`v` AS `a`,
  CASE WHEN `m`.`u` < `m`.`mv` THEN `m`.`u` ELSE `m`.`mv` END AS `b`
FROM (
  SELECT
    `a` AS `u`,
    `b` AS `v`
  FROM `segl_retail_id_e6`
  UNION ALL
  SELECT
    `b` AS `u`,
    `a` AS `v`
  FROM `segl_retail_id_e6`
) AS `n`
INNER JOIN (
  SELECT
    `u`,
    MIN(`v`) AS `mv`
  FROM (
    SELECT
      `a` AS `u`,
      `b` AS `v`
    FROM `segl_retail_id_e6`
    UNION ALL
    SELECT
      `b` AS `u`,
      `a` AS `v`
    FROM `segl_retail_id_e6`
  ) AS `nb`
  GROUP BY
    `u`
) AS `m`
  ON `m`.`u` = `n`.`u`
WHERE
  `n`.`u` < `n`.`v`;

DROP TABLE IF EXISTS `segl_retail_id_e8`;

CREATE TABLE `segl_retail_id_e8`
USING PARQUET AS
SELECT DISTINCT
  `a`,
  `b`
FROM (
  SELECT
    `e`.`b` AS `a`,
    `m`.`mv` AS `b`
  FROM `segl_retail_id_e7` AS `e`
  INNER JOIN (
    SELECT
      `a` AS `u`,
      MIN(`b`) AS `mv`
    FROM `segl_retail_id_e7`
    GROUP BY
      `a`
  ) AS `m`
    ON `m`.`u` = `e`.`a`
  WHERE
    `e`.`b` <> `m`.`mv`
  UNION ALL
  SELECT
    `u` AS `a`,
    `mv` AS `b`
  FROM (
    SELECT
      `a` AS `u`,
      MIN(`b`) AS `mv`
    FROM `segl_retail_id_e7`
    GROUP BY
      `a`
  ) AS `c`
) AS `s`;

DROP TABLE IF EXISTS `segl_retail_id_e7`;

DROP TABLE IF EXISTS `segl_retail_id_e6`;

DROP TABLE IF EXISTS `segl_retail_id_e9`;

CREATE TABLE `segl_retail_id_e9`
USING PARQUET AS
SELECT DISTINCT
  `n`.`v` AS `a`,
  CASE WHEN `m`.`u` < `m`.`mv` THEN `m`.`u` ELSE `m`.`mv` END AS `b`
FROM (
  SELECT
    `a` AS `u`,
    `b` AS `v`
  FROM `segl_retail_id_e8`
  UNION ALL
  SELECT
    `b` AS `u`,
    `a` AS `v`
  FROM `segl_retail_id_e8`
) AS `n`
INNER JOIN (
  SELECT
    `u`,
    MIN(`v`) AS `mv`
  FROM (
    SELECT
      `a` AS `u`,
      `b` AS `v`
    FROM `segl_retail_id_e8`
    UNION ALL
    SELECT
      `b` AS `u`,
      `a` AS `v`
    FROM `segl_retail_id_e8`
  ) AS `nb`
  GROUP BY
    `u`
) AS `m`
  ON `m`.`u` = `n`.`u`
WHERE
  `n`.`u` < `n`.`v`;

DROP TABLE IF EXISTS `segl_retail_id_e10`;

CREATE TABLE `segl_retail_id_e10`
USING PARQUET AS
SELECT DISTINCT
  `a`,
  `b`
FROM (
  SELECT
    `e`.`b` AS `a`,
    `m`.`mv` AS `b`
  FROM `segl_retail_id_e9` AS `e`
  INNER JOIN (
    SELECT
      `a` AS `u`,
      MIN(`b`) AS `mv`
    FROM `segl_retail_id_e9`
    GROUP BY
      `a`
  ) AS `m`
    ON `m`.`u` = `e`.`a`
  WHERE
    `e`.`b` <> `m`.`mv`
  UNION ALL
  SELECT
    `u` AS `a`,
    `mv` AS `b`
  FROM (
    SELECT
      `a` AS `u`,
      MIN(`b`) AS `mv`
    FROM `segl_retail_id_e9`
    GROUP BY
      `a`
  ) AS `c`
) AS `s`;

DROP TABLE IF EXISTS `segl_retail_id_e9`;

DROP TABLE IF EXISTS `segl_retail_id_e8`;

DROP TABLE IF EXISTS `segl_retail_id_e11`;

CREATE TABLE `segl_retail_id_e11`
USING PARQUET AS
SELECT DISTINCT
  `n`.`v` AS `a`,
  CASE WHEN `m`.`u` < `m`.`mv` THEN `m`.`u` ELSE `m`.`mv` END AS `b`
FROM (
  SELECT
    `a` AS `u`,
    `b` AS `v`
  FROM `segl_retail_id_e10`
  UNION ALL
  SELECT
    `b` AS `u`,
    `a` AS `v`
  FROM `segl_retail_id_e10`
) AS `n`
INNER JOIN (
  SELECT
    `u`,
    MIN(`v`) AS `mv`
  FROM (
    SELECT
      `a` AS `u`,
      `b` AS `v`
    FROM `segl_retail_id_e10`
    UNION ALL
    SELECT
      `b` AS `u`,
      `a` AS `v`
    FROM `segl_retail_id_e10`
  ) AS `nb`
  GROUP BY
    `u`
) AS `m`
  ON `m`.`u` = `n`.`u`
WHERE
  `n`.`u` < `n`.`v`;

DROP TABLE IF EXISTS `segl_retail_id_e12`;

CREATE TABLE `segl_retail_id_e12`
USING PARQUET AS
SELECT DISTINCT
  `a`,
  `b`
FROM (
  SELECT
    `e`.`b` AS `a`,
    `m`.`mv` AS `b`
  FROM `segl_retail_id_e11` AS `e`
  INNER JOIN (
    SELECT
      `a` AS `u`,
      MIN(`b`) AS `mv`
    FROM `segl_retail_id_e11`
    GROUP BY
      `a`
  ) AS `m`
    ON `m`.`u` = `e`.`a`
  WHERE
    `e`.`b` <> `m`.`mv`
  UNION ALL
  SELECT
    `u` AS `a`,
    `mv` AS `b`
  FROM (
    SELECT
      `a` AS `u`,
      MIN(`b`) AS `mv`
    FROM `segl_retail_id_e11`
    GROUP BY
      `a`
  ) AS `c`
) AS `s`;

DROP TABLE IF EXISTS `segl_retail_id_e11`;

DROP TABLE IF EXISTS `segl_retail_id_e10`;

DROP TABLE IF EXISTS `segl_retail_id_e13`;

CREATE TABLE `segl_retail_id_e13`
USING PARQUET AS
SELECT DISTINCT
  `n`.`v` AS `a`,
  CASE WHEN `m`.`u` < `m`.`mv` THEN `m`.`u` ELSE `m`.`mv` END AS `b`
FROM (
  SELECT
    `a` AS `u`,
    `b` AS `v`
  FROM `segl_retail_id_e12`
  UNION ALL
  SELECT
    `b` AS `u`,
    `a` AS `v`
  FROM `segl_retail_id_e12`
) AS `n`
INNER JOIN (
  SELECT
    `u`,
    MIN(`v`) AS `mv`
  FROM (
    SELECT
      `a` AS `u`,
      `b` AS `v`
    FROM `segl_retail_id_e12`
    UNION ALL
    SELECT
      `b` AS `u`,
      `a` AS `v`
    FROM `segl_retail_id_e12`
  ) AS `nb`
  GROUP BY
    `u`
) AS `m`
  ON `m`.`u` = `n`.`u`
WHERE
  `n`.`u` < `n`.`v`;

DROP TABLE IF EXISTS `segl_retail_id_e14`;

CREATE TABLE `segl_retail_id_e14`
USING PARQUET AS
SELECT DISTINCT
  `a`,
  `b`
FROM (
  SELECT
    `e`.`b` AS `a`,
    `m`.`mv` AS `b`
  FROM `segl_retail_id_e13` AS `e`
  INNER JOIN (
    SELECT
      `a` AS `u`,
      MIN(`b`) AS `mv`
    FROM `segl_retail_id_e13`
    GROUP BY
      `a`
  ) AS `m`
    ON `m`.`u` = `e`.`a`
  WHERE
    `e`.`b` <> `m`.`mv`
  UNION ALL
  SELECT
    `u` AS `a`,
    `mv` AS `b`
  FROM (
    SELECT
      `a` AS `u`,
      MIN(`b`) AS `mv`
    FROM `segl_retail_id_e13`
    GROUP BY
      `a`
  ) AS `c`
) AS `s`;

DROP TABLE IF EXISTS `segl_retail_id_e13`;

DROP TABLE IF EXISTS `segl_retail_id_e12`;

DROP TABLE IF EXISTS `segl_retail_id_e15`;

CREATE TABLE `segl_retail_id_e15`
USING PARQUET AS
SELECT DISTINCT
  `n`.`v` AS `a`,
  CASE WHEN `m`.`u` < `m`.`mv` THEN `m`.`u` ELSE `m`.`mv` END AS `b`
FROM (
  SELECT
    `a` AS `u`,
    `b` AS `v`
  FROM `segl_retail_id_e14`
  UNION ALL
  SELECT
    `b` AS `u`,
    `a` AS `v`
  FROM `segl_retail_id_e14`
) AS `n`
INNER JOIN (
  SELECT
    `u`,
    MIN(`v`) AS `mv`
  FROM (
    SELECT
      `a` AS `u`,
      `b` AS `v`
    FROM `segl_retail_id_e14`
    UNION ALL
    SELECT
      `b` AS `u`,
      `a` AS `v`
    FROM `segl_retail_id_e14`
  ) AS `nb`
  GROUP BY
    `u`
) AS `m`
  ON `m`.`u` = `n`.`u`
WHERE
  `n`.`u` < `n`.`v`;

DROP TABLE IF EXISTS `segl_retail_id_e16`;

CREATE TABLE `segl_retail_id_e16`
USING PARQUET AS
SELECT DISTINCT
  `a`,
  `b`
FROM (
  SELECT
    `e`.`b` AS `a`,
    `m`.`mv` AS `b`
  FROM `segl_retail_id_e15` AS `e`
  INNER JOIN (
    SELECT
      `a` AS `u`,
      MIN(`b`) AS `mv`
    FROM `segl_retail_id_e15`
    GROUP BY
      `a`
  ) AS `m`
    ON `m`.`u` = `e`.`a`
  WHERE
    `e`.`b` <> `m`.`mv`
  UNION ALL
  SELECT
    `u` AS `a`,
    `mv` AS `b`
  FROM (
    SELECT
      `a` AS `u`,
      MIN(`b`) AS `mv`
    FROM `segl_retail_id_e15`
    GROUP BY
      `a`
  ) AS `c`
) AS `s`;

DROP TABLE IF EXISTS `segl_retail_id_e15`;

DROP TABLE IF EXISTS `segl_retail_id_e14`;

DROP TABLE IF EXISTS `segl_retail_id_e17`;

CREATE TABLE `segl_retail_id_e17`
USING PARQUET AS
SELECT DISTINCT
  `n`.`v` AS `a`,
  CASE WHEN `m`.`u` < `m`.`mv` THEN `m`.`u` ELSE `m`.`mv` END AS `b`
FROM (
  SELECT
    `a` AS `u`,
    `b` AS `v`
  FROM `segl_retail_id_e16`
  UNION ALL
  SELECT
    `b` AS `u`,
    `a` AS `v`
  FROM `segl_retail_id_e16`
) AS `n`
INNER JOIN (
  SELECT
    `u`,
    MIN(`v`) AS `mv`
  FROM (
    SELECT
      `a` AS `u`,
      `b` AS `v`
    FROM `segl_retail_id_e16`
    UNION ALL
    SELECT
      `b` AS `u`,
      `a` AS `v`
    FROM `segl_retail_id_e16`
  ) AS `nb`
  GROUP BY
    `u`
) AS `m`
  ON `m`.`u` = `n`.`u`
WHERE
  `n`.`u` < `n`.`v`;

DROP TABLE IF EXISTS `segl_retail_id_e18`;

CREATE TABLE `segl_retail_id_e18`
USING PARQUET AS
SELECT DISTINCT
  `a`,
  `b`
FROM (
  SELECT
    `e`.`b` AS `a`,
    `m`.`mv` AS `b`
  FROM `segl_retail_id_e17` AS `e`
  INNER JOIN (
    SELECT
      `a` AS `u`,
      MIN(`b`) AS `mv`
    FROM `segl_retail_id_e17`
    GROUP BY
      `a`
  ) AS `m`
    ON `m`.`u` = `e`.`a`
  WHERE
    `e`.`b` <> `m`.`mv`
  UNION ALL
  SELECT
    `u` AS `a`,
    `mv` AS `b`
  FROM (
    SELECT
      `a` AS `u`,
      MIN(`b`) AS `mv`
    FROM `segl_retail_id_e17`
    GROUP BY
      `a`
  ) AS `c`
) AS `s`;

DROP TABLE IF EXISTS `segl_retail_id_e17`;

DROP TABLE IF EXISTS `segl_retail_id_e16`;

DROP TABLE IF EXISTS `segl_retail_id_e19`;

CREATE TABLE `segl_retail_id_e19`
USING PARQUET AS
SELECT DISTINCT
  `n`.`v` AS `a`,
  CASE WHEN `m`.`u` < `m`.`mv` THEN `m`.`u` ELSE `m`.`mv` END AS `b`
FROM (
  SELECT
    `a` AS `u`,
    `b` AS `v`
  FROM `segl_retail_id_e18`
  UNION ALL
  SELECT
    `b` AS `u`,
    `a` AS `v`
  FROM `segl_retail_id_e18`
) AS `n`
INNER JOIN (
  SELECT
    `u`,
    MIN(`v`) AS `mv`
  FROM (
    SELECT
      `a` AS `u`,
      `b` AS `v`
    FROM `segl_retail_id_e18`
    UNION ALL
    SELECT
      `b` AS `u`,
      `a` AS `v`
    FROM `segl_retail_id_e18`
  ) AS `nb`
  GROUP BY
    `u`
) AS `m`
  ON `m`.`u` = `n`.`u`
WHERE
  `n`.`u` < `n`.`v`;

DROP TABLE IF EXISTS `segl_retail_id_e20`;

CREATE TABLE `segl_retail_id_e20`
USING PARQUET AS
SELECT DISTINCT
  `a`,
  `b`
FROM (
  SELECT
    `e`.`b` AS `a`,
    `m`.`mv` AS `b`
  FROM `segl_retail_id_e19` AS `e`
  INNER JOIN (
    SELECT
      `a` AS `u`,
      MIN(`b`) AS `mv`
    FROM `segl_retail_id_e19`
    GROUP BY
      `a`
  ) AS `m`
    ON `m`.`u` = `e`.`a`
  WHERE
    `e`.`b` <> `m`.`mv`
  UNION ALL
  SELECT
    `u` AS `a`,
    `mv` AS `b`
  FROM (
    SELECT
      `a` AS `u`,
      MIN(`b`) AS `mv`
    FROM `segl_retail_id_e19`
    GROUP BY
      `a`
  ) AS `c`
) AS `s`;

DROP TABLE IF EXISTS `segl_retail_id_e19`;

DROP TABLE IF EXISTS `segl_retail_id_e18`;

DROP TABLE IF EXISTS `segl_retail_id_e21`;

CREATE TABLE `segl_retail_id_e21`
USING PARQUET AS
SELECT DISTINCT
  `n`.`v` AS `a`,
  CASE WHEN `m`.`u` < `m`.`mv` THEN `m`.`u` ELSE `m`.`mv` END AS `b`
FROM (
  SELECT
    `a` AS `u`,
    `b` AS `v`
  FROM `segl_retail_id_e20`
  UNION ALL
  SELECT
    `b` AS `u`,
    `a` AS `v`
  FROM `segl_retail_id_e20`
) AS `n`
INNER JOIN (
  SELECT
    `u`,
    MIN(`v`) AS `mv`
  FROM (
    SELECT
      `a` AS `u`,
      `b` AS `v`
    FROM `segl_retail_id_e20`
    UNION ALL
    SELECT
      `b` AS `u`,
      `a` AS `v`
    FROM `segl_retail_id_e20`
  ) AS `nb`
  GROUP BY
    `u`
) AS `m`
  ON `m`.`u` = `n`.`u`
WHERE
  `n`.`u` < `n`.`v`;

DROP TABLE IF EXISTS `segl_retail_id_e22`;

CREATE TABLE `segl_retail_id_e22`
USING PARQUET AS
SELECT DISTINCT
  `a`,
  `b`
FROM (
  SELECT
    `e`.`b` AS `a`,
    `m`.`mv` AS `b`
  FROM `segl_retail_id_e21` AS `e`
  INNER JOIN (
    SELECT
      `a` AS `u`,
      MIN(`b`) AS `mv`
    FROM `segl_retail_id_e21`
    GROUP BY
      `a`
  ) AS `m`
    ON `m`.`u` = `e`.`a`
  WHERE
    `e`.`b` <> `m`.`mv`
  UNION ALL
  SELECT
    `u` AS `a`,
    `mv` AS `b`
  FROM (
    SELECT
      `a` AS `u`,
      MIN(`b`) AS `mv`
    FROM `segl_retail_id_e21`
    GROUP BY
      `a`
  ) AS `c`
) AS `s`;

DROP TABLE IF EXISTS `segl_retail_id_e21`;

DROP TABLE IF EXISTS `segl_retail_id_e20`;

DROP TABLE IF EXISTS `segl_retail_id_e23`;

CREATE TABLE `segl_retail_id_e23`
USING PARQUET AS
SELECT DISTINCT
  `n`.`v` AS `a`,
  CASE WHEN `m`.`u` < `m`.`mv` THEN `m`.`u` ELSE `m`.`mv` END AS `b`
FROM (
  SELECT
    `a` AS `u`,
    `b` AS `v`
  FROM `segl_retail_id_e22`
  UNION ALL
  SELECT
    `b` AS `u`,
    `a` AS `v`
  FROM `segl_retail_id_e22`
) AS `n`
INNER JOIN (
  SELECT
    `u`,
    MIN(`v`) AS `mv`
  FROM (
    SELECT
      `a` AS `u`,
      `b` AS `v`
    FROM `segl_retail_id_e22`
    UNION ALL
    SELECT
      `b` AS `u`,
      `a` AS `v`
    FROM `segl_retail_id_e22`
  ) AS `nb`
  GROUP BY
    `u`
) AS `m`
  ON `m`.`u` = `n`.`u`
WHERE
  `n`.`u` < `n`.`v`;

DROP TABLE IF EXISTS `segl_retail_id_e24`;

CREATE TABLE `segl_retail_id_e24`
USING PARQUET AS
SELECT DISTINCT
  `a`,
  `b`
FROM (
  SELECT
    `e`.`b` AS `a`,
    `m`.`mv` AS `b`
  FROM `segl_retail_id_e23` AS `e`
  INNER JOIN (
    SELECT
      `a` AS `u`,
      MIN(`b`) AS `mv`
    FROM `segl_retail_id_e23`
    GROUP BY
      `a`
  ) AS `m`
    ON `m`.`u` = `e`.`a`
  WHERE
    `e`.`b` <> `m`.`mv`
  UNION ALL
  SELECT
    `u` AS `a`,
    `mv` AS `b`
  FROM (
    SELECT
      `a` AS `u`,
      MIN(`b`) AS `mv`
    FROM `segl_retail_id_e23`
    GROUP BY
      `a`
  ) AS `c`
) AS `s`;

DROP TABLE IF EXISTS `segl_retail_id_e23`;

DROP TABLE IF EXISTS `segl_retail_id_e22`;

DROP TABLE IF EXISTS `segl_retail_id_e25`;

CREATE TABLE `segl_retail_id_e25`
USING PARQUET AS
SELECT DISTINCT
  `n`.`v` AS `a`,
  CASE WHEN `m`.`u` < `m`.`mv` THEN `m`.`u` ELSE `m`.`mv` END AS `b`
FROM (
  SELECT
    `a` AS `u`,
    `b` AS `v`
  FROM `segl_retail_id_e24`
  UNION ALL
  SELECT
    `b` AS `u`,
    `a` AS `v`
  FROM `segl_retail_id_e24`
) AS `n`
INNER JOIN (
  SELECT
    `u`,
    MIN(`v`) AS `mv`
  FROM (
    SELECT
      `a` AS `u`,
      `b` AS `v`
    FROM `segl_retail_id_e24`
    UNION ALL
    SELECT
      `b` AS `u`,
      `a` AS `v`
    FROM `segl_retail_id_e24`
  ) AS `nb`
  GROUP BY
    `u`
) AS `m`
  ON `m`.`u` = `n`.`u`
WHERE
  `n`.`u` < `n`.`v`;

DROP TABLE IF EXISTS `segl_retail_id_e26`;

CREATE TABLE `segl_retail_id_e26`
USING PARQUET AS
SELECT DISTINCT
  `a`,
  `b`
FROM (
  SELECT
    `e`.`b` AS `a`,
    `m`.`mv` AS `b`
  FROM `segl_retail_id_e25` AS `e`
  INNER JOIN (
    SELECT
      `a` AS `u`,
      MIN(`b`) AS `mv`
    FROM `segl_retail_id_e25`
    GROUP BY
      `a`
  ) AS `m`
    ON `m`.`u` = `e`.`a`
  WHERE
    `e`.`b` <> `m`.`mv`
  UNION ALL
  SELECT
    `u` AS `a`,
    `mv` AS `b`
  FROM (
    SELECT
      `a` AS `u`,
      MIN(`b`) AS `mv`
    FROM `segl_retail_id_e25`
    GROUP BY
      `a`
  ) AS `c`
) AS `s`;

DROP TABLE IF EXISTS `segl_retail_id_e25`;

DROP TABLE IF EXISTS `segl_retail_id_e24`;

DROP TABLE IF EXISTS `segl_retail_id_e27`;

CREATE TABLE `segl_retail_id_e27`
USING PARQUET AS
SELECT DISTINCT
  `n`.`v` AS `a`,
  CASE WHEN `m`.`u` < `m`.`mv` THEN `m`.`u` ELSE `m`.`mv` END AS `b`
FROM (
  SELECT
    `a` AS `u`,
    `b` AS `v`
  FROM `segl_retail_id_e26`
  UNION ALL
  SELECT
    `b` AS `u`,
    `a` AS `v`
  FROM `segl_retail_id_e26`
) AS `n`
INNER JOIN (
  SELECT
    `u`,
    MIN(`v`) AS `mv`
  FROM (
    SELECT
      `a` AS `u`,
      `b` AS `v`
    FROM `segl_retail_id_e26`
    UNION ALL
    SELECT
      `b` AS `u`,
      `a` AS `v`
    FROM `segl_retail_id_e26`
  ) AS `nb`
  GROUP BY
    `u`
) AS `m`
  ON `m`.`u` = `n`.`u`
WHERE
  `n`.`u` < `n`.`v`;

DROP TABLE IF EXISTS `segl_retail_id_e28`;

CREATE TABLE `segl_retail_id_e28`
USING PARQUET AS
SELECT DISTINCT
  `a`,
  `b`
FROM (
  SELECT
    `e`.`b` AS `a`,
    `m`.`mv` AS `b`
  FROM `segl_retail_id_e27` AS `e`
  INNER JOIN (
    SELECT
      `a` AS `u`,
      MIN(`b`) AS `mv`
    FROM `segl_retail_id_e27`
    GROUP BY
      `a`
  ) AS `m`
    ON `m`.`u` = `e`.`a`
  WHERE
    `e`.`b` <> `m`.`mv`
  UNION ALL
  SELECT
    `u` AS `a`,
    `mv` AS `b`
  FROM (
    SELECT
      `a` AS `u`,
      MIN(`b`) AS `mv`
    FROM `segl_retail_id_e27`
    GROUP BY
      `a`
  ) AS `c`
) AS `s`;

DROP TABLE IF EXISTS `segl_retail_id_e27`;

DROP TABLE IF EXISTS `segl_retail_id_e26`;

DROP TABLE IF EXISTS `segl_retail_id_e29`;

CREATE TABLE `segl_retail_id_e29`
USING PARQUET AS
SELECT DISTINCT
  `n`.`v` AS `a`,
  CASE WHEN `m`.`u` < `m`.`mv` THEN `m`.`u` ELSE `m`.`mv` END AS `b`
FROM (
  SELECT
    `a` AS `u`,
    `b` AS `v`
  FROM `segl_retail_id_e28`
  UNION ALL
  SELECT
    `b` AS `u`,
    `a` AS `v`
  FROM `segl_retail_id_e28`
) AS `n`
INNER JOIN (
  SELECT
    `u`,
    MIN(`v`) AS `mv`
  FROM (
    SELECT
      `a` AS `u`,
      `b` AS `v`
    FROM `segl_retail_id_e28`
    UNION ALL
    SELECT
      `b` AS `u`,
      `a` AS `v`
    FROM `segl_retail_id_e28`
  ) AS `nb`
  GROUP BY
    `u`
) AS `m`
  ON `m`.`u` = `n`.`u`
WHERE
  `n`.`u` < `n`.`v`;

DROP TABLE IF EXISTS `segl_retail_id_e30`;

CREATE TABLE `segl_retail_id_e30`
USING PARQUET AS
SELECT DISTINCT
  `a`,
  `b`
FROM (
  SELECT
    `e`.`b` AS `a`,
    `m`.`mv` AS `b`
  FROM `segl_retail_id_e29` AS `e`
  INNER JOIN (
    SELECT
      `a` AS `u`,
      MIN(`b`) AS `mv`
    FROM `segl_retail_id_e29`
    GROUP BY
      `a`
  ) AS `m`
    ON `m`.`u` = `e`.`a`
  WHERE
    `e`.`b` <> `m`.`mv`
  UNION ALL
  SELECT
    `u` AS `a`,
    `mv` AS `b`
  FROM (
    SELECT
      `a` AS `u`,
      MIN(`b`) AS `mv`
    FROM `segl_retail_id_e29`
    GROUP BY
      `a`
  ) AS `c`
) AS `s`;

DROP TABLE IF EXISTS `segl_retail_id_e29`;

DROP TABLE IF EXISTS `segl_retail_id_e28`;

DROP TABLE IF EXISTS `segl_retail_id_e31`;

CREATE TABLE `segl_retail_id_e31`
USING PARQUET AS
SELECT DISTINCT
  `n`.`v` AS `a`,
  CASE WHEN `m`.`u` < `m`.`mv` THEN `m`.`u` ELSE `m`.`mv` END AS `b`
FROM (
  SELECT
    `a` AS `u`,
    `b` AS `v`
  FROM `segl_retail_id_e30`
  UNION ALL
  SELECT
    `b` AS `u`,
    `a` AS `v`
  FROM `segl_retail_id_e30`
) AS `n`
INNER JOIN (
  SELECT
    `u`,
    MIN(`v`) AS `mv`
  FROM (
    SELECT
      `a` AS `u`,
      `b` AS `v`
    FROM `segl_retail_id_e30`
    UNION ALL
    SELECT
      `b` AS `u`,
      `a` AS `v`
    FROM `segl_retail_id_e30`
  ) AS `nb`
  GROUP BY
    `u`
) AS `m`
  ON `m`.`u` = `n`.`u`
WHERE
  `n`.`u` < `n`.`v`;

DROP TABLE IF EXISTS `segl_retail_id_e32`;

CREATE TABLE `segl_retail_id_e32`
USING PARQUET AS
SELECT DISTINCT
  `a`,
  `b`
FROM (
  SELECT
    `e`.`b` AS `a`,
    `m`.`mv` AS `b`
  FROM `segl_retail_id_e31` AS `e`
  INNER JOIN (
    SELECT
      `a` AS `u`,
      MIN(`b`) AS `mv`
    FROM `segl_retail_id_e31`
    GROUP BY
      `a`
  ) AS `m`
    ON `m`.`u` = `e`.`a`
  WHERE
    `e`.`b` <> `m`.`mv`
  UNION ALL
  SELECT
    `u` AS `a`,
    `mv` AS `b`
  FROM (
    SELECT
      `a` AS `u`,
      MIN(`b`) AS `mv`
    FROM `segl_retail_id_e31`
    GROUP BY
      `a`
  ) AS `c`
) AS `s`;

DROP TABLE IF EXISTS `segl_retail_id_e31`;

DROP TABLE IF EXISTS `segl_retail_id_e30`;

DROP TABLE IF EXISTS `segl_retail_id_e33`;

CREATE TABLE `segl_retail_id_e33`
USING PARQUET AS
SELECT DISTINCT
  `n`.`v` AS `a`,
  CASE WHEN `m`.`u` < `m`.`mv` THEN `m`.`u` ELSE `m`.`mv` END AS `b`
FROM (
  SELECT
    `a` AS `u`,
    `b` AS `v`
  FROM `segl_retail_id_e32`
  UNION ALL
  SELECT
    `b` AS `u`,
    `a` AS `v`
  FROM `segl_retail_id_e32`
) AS `n`
INNER JOIN (
  SELECT
    `u`,
    MIN(`v`) AS `mv`
  FROM (
    SELECT
      `a` AS `u`,
      `b` AS `v`
    FROM `segl_retail_id_e32`
    UNION ALL
    SELECT
      `b` AS `u`,
      `a` AS `v`
    FROM `segl_retail_id_e32`
  ) AS `nb`
  GROUP BY
    `u`
) AS `m`
  ON `m`.`u` = `n`.`u`
WHERE
  `n`.`u` < `n`.`v`;

DROP TABLE IF EXISTS `segl_retail_id_e34`;

CREATE TABLE `segl_retail_id_e34`
USING PARQUET AS
SELECT DISTINCT
  `a`,
  `b`
FROM (
  SELECT
    `e`.`b` AS `a`,
    `m`.`mv` AS `b`
  FROM `segl_retail_id_e33` AS `e`
  INNER JOIN (
    SELECT
      `a` AS `u`,
      MIN(`b`) AS `mv`
    FROM `segl_retail_id_e33`
    GROUP BY
      `a`
  ) AS `m`
    ON `m`.`u` = `e`.`a`
  WHERE
    `e`.`b` <> `m`.`mv`
  UNION ALL
  SELECT
    `u` AS `a`,
    `mv` AS `b`
  FROM (
    SELECT
      `a` AS `u`,
      MIN(`b`) AS `mv`
    FROM `segl_retail_id_e33`
    GROUP BY
      `a`
  ) AS `c`
) AS `s`;

DROP TABLE IF EXISTS `segl_retail_id_e33`;

DROP TABLE IF EXISTS `segl_retail_id_e32`;

DROP TABLE IF EXISTS `segl_retail_id_e35`;

CREATE TABLE `segl_retail_id_e35`
USING PARQUET AS
SELECT DISTINCT
  `n`.`v` AS `a`,
  CASE WHEN `m`.`u` < `m`.`mv` THEN `m`.`u` ELSE `m`.`mv` END AS `b`
FROM (
  SELECT
    `a` AS `u`,
    `b` AS `v`
  FROM `segl_retail_id_e34`
  UNION ALL
  SELECT
    `b` AS `u`,
    `a` AS `v`
  FROM `segl_retail_id_e34`
) AS `n`
INNER JOIN (
  SELECT
    `u`,
    MIN(`v`) AS `mv`
  FROM (
    SELECT
      `a` AS `u`,
      `b` AS `v`
    FROM `segl_retail_id_e34`
    UNION ALL
    SELECT
      `b` AS `u`,
      `a` AS `v`
    FROM `segl_retail_id_e34`
  ) AS `nb`
  GROUP BY
    `u`
) AS `m`
  ON `m`.`u` = `n`.`u`
WHERE
  `n`.`u` < `n`.`v`;

DROP TABLE IF EXISTS `segl_retail_id_e36`;

CREATE TABLE `segl_retail_id_e36`
USING PARQUET AS
SELECT DISTINCT
  `a`,
  `b`
FROM (
  SELECT
    `e`.`b` AS `a`,
    `m`.`mv` AS `b`
  FROM `segl_retail_id_e35` AS `e`
  INNER JOIN (
    SELECT
      `a` AS `u`,
      MIN(`b`) AS `mv`
    FROM `segl_retail_id_e35`
    GROUP BY
      `a`
  ) AS `m`
    ON `m`.`u` = `e`.`a`
  WHERE
    `e`.`b` <> `m`.`mv`
  UNION ALL
  SELECT
    `u` AS `a`,
    `mv` AS `b`
  FROM (
    SELECT
      `a` AS `u`,
      MIN(`b`) AS `mv`
    FROM `segl_retail_id_e35`
    GROUP BY
      `a`
  ) AS `c`
) AS `s`;

DROP TABLE IF EXISTS `segl_retail_id_e35`;

DROP TABLE IF EXISTS `segl_retail_id_e34`;

DROP TABLE IF EXISTS `segl_retail_id_e37`;

CREATE TABLE `segl_retail_id_e37`
USING PARQUET AS
SELECT DISTINCT
  `n`.`v` AS `a`,
  CASE WHEN `m`.`u` < `m`.`mv` THEN `m`.`u` ELSE `m`.`mv` END AS `b`
FROM (
  SELECT
    `a` AS `u`,
    `b` AS `v`
  FROM `segl_retail_id_e36`
  UNION ALL
  SELECT
    `b` AS `u`,
    `a` AS `v`
  FROM `segl_retail_id_e36`
) AS `n`
INNER JOIN (
  SELECT
    `u`,
    MIN(`v`) AS `mv`
  FROM (
    SELECT
      `a` AS `u`,
      `b` AS `v`
    FROM `segl_retail_id_e36`
    UNION ALL
    SELECT
      `b` AS `u`,
      `a` AS `v`
    FROM `segl_retail_id_e36`
  ) AS `nb`
  GROUP BY
    `u`
) AS `m`
  ON `m`.`u` = `n`.`u`
WHERE
  `n`.`u` < `n`.`v`;

DROP TABLE IF EXISTS `segl_retail_id_e38`;

CREATE TABLE `segl_retail_id_e38`
USING PARQUET AS
SELECT DISTINCT
  `a`,
  `b`
FROM (
  SELECT
    `e`.`b` AS `a`,
    `m`.`mv` AS `b`
  FROM `segl_retail_id_e37` AS `e`
  INNER JOIN (
    SELECT
      `a` AS `u`,
      MIN(`b`) AS `mv`
    FROM `segl_retail_id_e37`
    GROUP BY
      `a`
  ) AS `m`
    ON `m`.`u` = `e`.`a`
  WHERE
    `e`.`b` <> `m`.`mv`
  UNION ALL
  SELECT
    `u` AS `a`,
    `mv` AS `b`
  FROM (
    SELECT
      `a` AS `u`,
      MIN(`b`) AS `mv`
    FROM `segl_retail_id_e37`
    GROUP BY
      `a`
  ) AS `c`
) AS `s`;

DROP TABLE IF EXISTS `segl_retail_id_e37`;

DROP TABLE IF EXISTS `segl_retail_id_e36`;

DROP TABLE IF EXISTS `segl_retail_id_e39`;

CREATE TABLE `segl_retail_id_e39`
USING PARQUET AS
SELECT DISTINCT
  `n`.`v` AS `a`,
  CASE WHEN `m`.`u` < `m`.`mv` THEN `m`.`u` ELSE `m`.`mv` END AS `b`
FROM (
  SELECT
    `a` AS `u`,
    `b` AS `v`
  FROM `segl_retail_id_e38`
  UNION ALL
  SELECT
    `b` AS `u`,
    `a` AS `v`
  FROM `segl_retail_id_e38`
) AS `n`
INNER JOIN (
  SELECT
    `u`,
    MIN(`v`) AS `mv`
  FROM (
    SELECT
      `a` AS `u`,
      `b` AS `v`
    FROM `segl_retail_id_e38`
    UNION ALL
    SELECT
      `b` AS `u`,
      `a` AS `v`
    FROM `segl_retail_id_e38`
  ) AS `nb`
  GROUP BY
    `u`
) AS `m`
  ON `m`.`u` = `n`.`u`
WHERE
  `n`.`u` < `n`.`v`;

DROP TABLE IF EXISTS `segl_retail_id_e40`;

CREATE TABLE `segl_retail_id_e40`
USING PARQUET AS
SELECT DISTINCT
  `a`,
  `b`
FROM (
  SELECT
    `e`.`b` AS `a`,
    `m`.`mv` AS `b`
  FROM `segl_retail_id_e39` AS `e`
  INNER JOIN (
    SELECT
      `a` AS `u`,
      MIN(`b`) AS `mv`
    FROM `segl_retail_id_e39`
    GROUP BY
      `a`
  ) AS `m`
    ON `m`.`u` = `e`.`a`
  WHERE
    `e`.`b` <> `m`.`mv`
  UNION ALL
  SELECT
    `u` AS `a`,
    `mv` AS `b`
  FROM (
    SELECT
      `a` AS `u`,
      MIN(`b`) AS `mv`
    FROM `segl_retail_id_e39`
    GROUP BY
      `a`
  ) AS `c`
) AS `s`;

DROP TABLE IF EXISTS `segl_retail_id_e39`;

DROP TABLE IF EXISTS `segl_retail_id_e38`;

DROP TABLE IF EXISTS `segl_retail_id_e41`;

CREATE TABLE `segl_retail_id_e41`
USING PARQUET AS
SELECT DISTINCT
  `n`.`v` AS `a`,
  CASE WHEN `m`.`u` < `m`.`mv` THEN `m`.`u` ELSE `m`.`mv` END AS `b`
FROM (
  SELECT
    `a` AS `u`,
    `b` AS `v`
  FROM `segl_retail_id_e40`
  UNION ALL
  SELECT
    `b` AS `u`,
    `a` AS `v`
  FROM `segl_retail_id_e40`
) AS `n`
INNER JOIN (
  SELECT
    `u`,
    MIN(`v`) AS `mv`
  FROM (
    SELECT
      `a` AS `u`,
      `b` AS `v`
    FROM `segl_retail_id_e40`
    UNION ALL
    SELECT
      `b` AS `u`,
      `a` AS `v`
    FROM `segl_retail_id_e40`
  ) AS `nb`
  GROUP BY
    `u`
) AS `m`
  ON `m`.`u` = `n`.`u`
WHERE
  `n`.`u` < `n`.`v`;

DROP TABLE IF EXISTS `segl_retail_id_e42`;

CREATE TABLE `segl_retail_id_e42`
USING PARQUET AS
SELECT DISTINCT
  `a`,
  `b`
FROM (
  SELECT
    `e`.`b` AS `a`,
    `m`.`mv` AS `b`
  FROM `segl_retail_id_e41` AS `e`
  INNER JOIN (
    SELECT
      `a` AS `u`,
      MIN(`b`) AS `mv`
    FROM `segl_retail_id_e41`
    GROUP BY
      `a`
  ) AS `m`
    ON `m`.`u` = `e`.`a`
  WHERE
    `e`.`b` <> `m`.`mv`
  UNION ALL
  SELECT
    `u` AS `a`,
    `mv` AS `b`
  FROM (
    SELECT
      `a` AS `u`,
      MIN(`b`) AS `mv`
    FROM `segl_retail_id_e41`
    GROUP BY
      `a`
  ) AS `c`
) AS `s`;

DROP TABLE IF EXISTS `segl_retail_id_e41`;

DROP TABLE IF EXISTS `segl_retail_id_e40`;

DROP TABLE IF EXISTS `segl_retail_id_e43`;

CREATE TABLE `segl_retail_id_e43`
USING PARQUET AS
SELECT DISTINCT
  `n`.`v` AS `a`,
  CASE WHEN `m`.`u` < `m`.`mv` THEN `m`.`u` ELSE `m`.`mv` END AS `b`
FROM (
  SELECT
    `a` AS `u`,
    `b` AS `v`
  FROM `segl_retail_id_e42`
  UNION ALL
  SELECT
    `b` AS `u`,
    `a` AS `v`
  FROM `segl_retail_id_e42`
) AS `n`
INNER JOIN (
  SELECT
    `u`,
    MIN(`v`) AS `mv`
  FROM (
    SELECT
      `a` AS `u`,
      `b` AS `v`
    FROM `segl_retail_id_e42`
    UNION ALL
    SELECT
      `b` AS `u`,
      `a` AS `v`
    FROM `segl_retail_id_e42`
  ) AS `nb`
  GROUP BY
    `u`
) AS `m`
  ON `m`.`u` = `n`.`u`
WHERE
  `n`.`u` < `n`.`v`;

DROP TABLE IF EXISTS `segl_retail_id_e44`;

CREATE TABLE `segl_retail_id_e44`
USING PARQUET AS
SELECT DISTINCT
  `a`,
  `b`
FROM (
  SELECT
    `e`.`b` AS `a`,
    `m`.`mv` AS `b`
  FROM `segl_retail_id_e43` AS `e`
  INNER JOIN (
    SELECT
      `a` AS `u`,
      MIN(`b`) AS `mv`
    FROM `segl_retail_id_e43`
    GROUP BY
      `a`
  ) AS `m`
    ON `m`.`u` = `e`.`a`
  WHERE
    `e`.`b` <> `m`.`mv`
  UNION ALL
  SELECT
    `u` AS `a`,
    `mv` AS `b`
  FROM (
    SELECT
      `a` AS `u`,
      MIN(`b`) AS `mv`
    FROM `segl_retail_id_e43`
    GROUP BY
      `a`
  ) AS `c`
) AS `s`;

DROP TABLE IF EXISTS `segl_retail_id_e43`;

DROP TABLE IF EXISTS `segl_retail_id_e42`;

DROP TABLE IF EXISTS `segl_retail_id_e45`;

CREATE TABLE `segl_retail_id_e45`
USING PARQUET AS
SELECT DISTINCT
  `n`.`v` AS `a`,
  CASE WHEN `m`.`u` < `m`.`mv` THEN `m`.`u` ELSE `m`.`mv` END AS `b`
FROM (
  SELECT
    `a` AS `u`,
    `b` AS `v`
  FROM `segl_retail_id_e44`
  UNION ALL
  SELECT
    `b` AS `u`,
    `a` AS `v`
  FROM `segl_retail_id_e44`
) AS `n`
INNER JOIN (
  SELECT
    `u`,
    MIN(`v`) AS `mv`
  FROM (
    SELECT
      `a` AS `u`,
      `b` AS `v`
    FROM `segl_retail_id_e44`
    UNION ALL
    SELECT
      `b` AS `u`,
      `a` AS `v`
    FROM `segl_retail_id_e44`
  ) AS `nb`
  GROUP BY
    `u`
) AS `m`
  ON `m`.`u` = `n`.`u`
WHERE
  `n`.`u` < `n`.`v`;

DROP TABLE IF EXISTS `segl_retail_id_e46`;

CREATE TABLE `segl_retail_id_e46`
USING PARQUET AS
SELECT DISTINCT
  `a`,
  `b`
FROM (
  SELECT
    `e`.`b` AS `a`,
    `m`.`mv` AS `b`
  FROM `segl_retail_id_e45` AS `e`
  INNER JOIN (
    SELECT
      `a` AS `u`,
      MIN(`b`) AS `mv`
    FROM `segl_retail_id_e45`
    GROUP BY
      `a`
  ) AS `m`
    ON `m`.`u` = `e`.`a`
  WHERE
    `e`.`b` <> `m`.`mv`
  UNION ALL
  SELECT
    `u` AS `a`,
    `mv` AS `b`
  FROM (
    SELECT
      `a` AS `u`,
      MIN(`b`) AS `mv`
    FROM `segl_retail_id_e45`
    GROUP BY
      `a`
  ) AS `c`
) AS `s`;

DROP TABLE IF EXISTS `segl_retail_id_e45`;

DROP TABLE IF EXISTS `segl_retail_id_e44`;

DROP TABLE IF EXISTS `segl_retail_id_e47`;

CREATE TABLE `segl_retail_id_e47`
USING PARQUET AS
SELECT DISTINCT
  `n`.`v` AS `a`,
  CASE WHEN `m`.`u` < `m`.`mv` THEN `m`.`u` ELSE `m`.`mv` END AS `b`
FROM (
  SELECT
    `a` AS `u`,
    `b` AS `v`
  FROM `segl_retail_id_e46`
  UNION ALL
  SELECT
    `b` AS `u`,
    `a` AS `v`
  FROM `segl_retail_id_e46`
) AS `n`
INNER JOIN (
  SELECT
    `u`,
    MIN(`v`) AS `mv`
  FROM (
    SELECT
      `a` AS `u`,
      `b` AS `v`
    FROM `segl_retail_id_e46`
    UNION ALL
    SELECT
      `b` AS `u`,
      `a` AS `v`
    FROM `segl_retail_id_e46`
  ) AS `nb`
  GROUP BY
    `u`
) AS `m`
  ON `m`.`u` = `n`.`u`
WHERE
  `n`.`u` < `n`.`v`;

DROP TABLE IF EXISTS `segl_retail_id_e48`;

CREATE TABLE `segl_retail_id_e48`
USING PARQUET AS
SELECT DISTINCT
  `a`,
  `b`
FROM (
  SELECT
    `e`.`b` AS `a`,
    `m`.`mv` AS `b`
  FROM `segl_retail_id_e47` AS `e`
  INNER JOIN (
    SELECT
      `a` AS `u`,
      MIN(`b`) AS `mv`
    FROM `segl_retail_id_e47`
    GROUP BY
      `a`
  ) AS `m`
    ON `m`.`u` = `e`.`a`
  WHERE
    `e`.`b` <> `m`.`mv`
  UNION ALL
  SELECT
    `u` AS `a`,
    `mv` AS `b`
  FROM (
    SELECT
      `a` AS `u`,
      MIN(`b`) AS `mv`
    FROM `segl_retail_id_e47`
    GROUP BY
      `a`
  ) AS `c`
) AS `s`;

DROP TABLE IF EXISTS `segl_retail_id_e47`;

DROP TABLE IF EXISTS `segl_retail_id_e46`;

DROP TABLE IF EXISTS `segl_retail_id_labels`;

CREATE TABLE `segl_retail_id_labels`
USING PARQUET AS
SELECT
  `i`.`n` AS `n`,
  `i`.`kind` AS `kind`,
  `i`.`id` AS `id`,
  `i`.`pref` AS `pref`,
  COALESCE(`l`.`c`, `i`.`n`) AS `c`
FROM `segl_retail_id_ids` AS `i`
LEFT JOIN (
  SELECT
    `a`,
    MIN(`b`) AS `c`
  FROM `segl_retail_id_e48`
  GROUP BY
    `a`
) AS `l`
  ON `l`.`a` = `i`.`n`;

DROP TABLE IF EXISTS `segl_retail_id_map`;

CREATE TABLE `segl_retail_id_map`
USING PARQUET AS
SELECT
  `l`.`kind` AS `kind`,
  `l`.`id` AS `id`,
  CASE
    WHEN `k`.`kind` = 'member'
    AND NOT (
      SUBSTRING(`k`.`id`, 1, LENGTH('member:')) = 'member:'
      OR SUBSTRING(`k`.`id`, 1, LENGTH('openid:')) = 'openid:'
      OR SUBSTRING(`k`.`id`, 1, LENGTH('device:')) = 'device:'
    )
    THEN `k`.`id`
    ELSE `k`.`kind` || ':' || `k`.`id`
  END AS `person`
FROM `segl_retail_id_labels` AS `l`
INNER JOIN (
  SELECT
    `l`.`c` AS `c`,
    `l`.`kind` AS `kind`,
    MIN(`l`.`id`) AS `id`
  FROM `segl_retail_id_labels` AS `l`
  INNER JOIN (
    SELECT
      `c`,
      MIN(`pref`) AS `pref`
    FROM `segl_retail_id_labels`
    GROUP BY
      `c`
  ) AS `b`
    ON `b`.`c` = `l`.`c` AND `b`.`pref` = `l`.`pref`
  GROUP BY
    `l`.`c`,
    `l`.`kind`
) AS `k`
  ON `k`.`c` = `l`.`c`;

DROP TABLE IF EXISTS `segl_retail_id_e48`;

DROP TABLE IF EXISTS `segl_retail_id_labels`;

CACHE TABLE `segl_retail_result` AS
WITH `segl_usr` AS (
  SELECT
    `u`.`_pu` AS `_u`,
    CAST(`u`.`registered_at` AS TIMESTAMP_NTZ) AS `p_0`,
    `u`.`city` AS `p_1`,
    CAST(`u`.`birthday` AS DATE) AS `p_2`,
    NULLIF(CAST(`u`.`balance` AS DOUBLE), CAST('NaN' AS DOUBLE)) AS `p_3`,
    `u`.`gender` AS `p_4`,
    `u`.`tz` AS `p_5`,
    `p0`.`level` AS `p_6`
  FROM (
    SELECT
      `s`.*,
      `m`.`person` AS `_pu`,
      ROW_NUMBER() OVER (PARTITION BY `m`.`person` ORDER BY `m`.`id` NULLS LAST) AS `_first`
    FROM `users` AS `s`
    INNER JOIN `segl_retail_id_map` AS `m`
      ON `m`.`kind` = 'member'
      AND `m`.`id` = CAST(CASE
        WHEN CASE
          WHEN `s`.`user_id` < CAST(1e+19 AS DOUBLE)
          AND `s`.`user_id` > (
            -CAST(1e+19 AS DOUBLE)
          )
          THEN CASE
            WHEN CAST(`s`.`user_id` AS DECIMAL(38, 0)) >= (
              -9223372036854775808
            )
            AND CAST(`s`.`user_id` AS DECIMAL(38, 0)) < 9223372036854775808
            THEN `s`.`user_id` = FLOOR(`s`.`user_id`)
            ELSE FALSE
          END
          ELSE FALSE
        END
        THEN CAST(`s`.`user_id` AS BIGINT)
      END AS STRING)
    WHERE
      NOT (
        NULLIF(`s`.`user_id`, CAST('NaN' AS DOUBLE)) IS NULL
      )
      AND (
        CAST(`s`.`registered_at` AS TIMESTAMP_NTZ) IS NULL
        OR CAST(`s`.`registered_at` AS TIMESTAMP_NTZ) < CAST('2026-11-01 00:00:00' AS TIMESTAMP_NTZ)
      )
  ) AS `u`
  LEFT JOIN (
    SELECT
      `s`.*,
      `m`.`person` AS `_pu`,
      ROW_NUMBER() OVER (PARTITION BY `m`.`person` ORDER BY `m`.`id` NULLS LAST) AS `_first`
    FROM `membership_history` AS `s`
    INNER JOIN `segl_retail_id_map` AS `m`
      ON `m`.`kind` = 'member'
      AND `m`.`id` = CAST(CASE
        WHEN CASE
          WHEN `s`.`user_id` < CAST(1e+19 AS DOUBLE)
          AND `s`.`user_id` > (
            -CAST(1e+19 AS DOUBLE)
          )
          THEN CASE
            WHEN CAST(`s`.`user_id` AS DECIMAL(38, 0)) >= (
              -9223372036854775808
            )
            AND CAST(`s`.`user_id` AS DECIMAL(38, 0)) < 9223372036854775808
            THEN `s`.`user_id` = FLOOR(`s`.`user_id`)
            ELSE FALSE
          END
          ELSE FALSE
        END
        THEN CAST(`s`.`user_id` AS BIGINT)
      END AS STRING)
    WHERE
      NOT (
        NULLIF(`s`.`user_id`, CAST('NaN' AS DOUBLE)) IS NULL
      )
      AND (
        CAST(`s`.`valid_from` AS TIMESTAMP_NTZ) IS NULL
        OR CAST(`s`.`valid_from` AS TIMESTAMP_NTZ) <= CAST('2026-11-01 00:00:00' AS TIMESTAMP_NTZ)
      )
      AND (
        CAST(`s`.`valid_to` AS TIMESTAMP_NTZ) IS NULL
        OR CAST('2026-11-01 00:00:00' AS TIMESTAMP_NTZ) < CAST(`s`.`valid_to` AS TIMESTAMP_NTZ)
      )
  ) AS `p0`
    ON `p0`.`_pu` = `u`.`_pu` AND `p0`.`_first` = 1
  WHERE
    `u`.`_first` = 1
), `segl_ev_0` AS (
  SELECT
    `m`.`person` AS `_u`,
    CAST(`e`.`paid_at` AS TIMESTAMP_NTZ) AS `_t`,
    NULLIF(CAST(`e`.`amount` AS DOUBLE), CAST('NaN' AS DOUBLE)) AS `c0`,
    `e`.`coupon_id` AS `c1`,
    `e`.`brand` AS `c2`,
    CAST(`e`.`paid_at` AS TIMESTAMP_NTZ) AS `c3`,
    `e`.`category` AS `c4`,
    `w`.`p_0` AS `u0`
  FROM `orders` AS `e`
  INNER JOIN `segl_retail_id_map` AS `m`
    ON `m`.`kind` = 'member'
    AND `m`.`id` = CAST(CASE
      WHEN CASE
        WHEN `e`.`user_id` < CAST(1e+19 AS DOUBLE)
        AND `e`.`user_id` > (
          -CAST(1e+19 AS DOUBLE)
        )
        THEN CASE
          WHEN CAST(`e`.`user_id` AS DECIMAL(38, 0)) >= (
            -9223372036854775808
          )
          AND CAST(`e`.`user_id` AS DECIMAL(38, 0)) < 9223372036854775808
          THEN `e`.`user_id` = FLOOR(`e`.`user_id`)
          ELSE FALSE
        END
        ELSE FALSE
      END
      THEN CAST(`e`.`user_id` AS BIGINT)
    END AS STRING)
  INNER JOIN `segl_usr` AS `w`
    ON `w`.`_u` = `m`.`person`
  WHERE
    CAST(`e`.`paid_at` AS TIMESTAMP_NTZ) < CAST('2026-11-01 00:00:00' AS TIMESTAMP_NTZ)
), `segl_evr_0` AS (
  SELECT
    *,
    MAX(`_t`) OVER (PARTITION BY `_u`) AS `t_a13`,
    MIN(`_t`) OVER (PARTITION BY `_u`) AS `t_a14`
  FROM `segl_ev_0`
), `segl_agg_0` AS (
  SELECT
    `_u` AS `_g`,
    COUNT(1) AS `a0`,
    COUNT(CASE WHEN `_t` >= CAST('2026-05-05 00:00:00' AS TIMESTAMP_NTZ) THEN 1 END) AS `a1`,
    SUM(CASE WHEN `_t` >= CAST('2026-05-05 00:00:00' AS TIMESTAMP_NTZ) THEN `c0` END) AS `a2`,
    COUNT(
      CASE
        WHEN `_t` >= CAST('2026-05-05 00:00:00' AS TIMESTAMP_NTZ) AND NOT (
          `c1` IS NULL
        )
        THEN 1
      END
    ) AS `a3`,
    COUNT(
      CASE
        WHEN `_t` >= CAST('2025-11-01 00:00:00' AS TIMESTAMP_NTZ)
        AND `_t` < CAST('2026-07-04 00:00:00' AS TIMESTAMP_NTZ)
        THEN 1
      END
    ) AS `a4`,
    COUNT(
      CASE
        WHEN `_t` >= CAST('2026-07-04 00:00:00' AS TIMESTAMP_NTZ)
        AND `_t` < CAST('2026-10-02 00:00:00' AS TIMESTAMP_NTZ)
        THEN 1
      END
    ) AS `a5`,
    COUNT(
      CASE
        WHEN `_t` >= CAST('2026-10-25 00:00:00' AS TIMESTAMP_NTZ) AND `c2` = 'Shiseido'
        THEN 1
      END
    ) AS `a6`,
    MAX(`c3`) AS `a7`,
    COUNT(
      CASE
        WHEN `_t` >= CAST('2026-05-05 00:00:00' AS TIMESTAMP_NTZ)
        AND `_t` < CAST('2026-08-03 00:00:00' AS TIMESTAMP_NTZ)
        THEN 1
      END
    ) AS `a9`,
    COUNT(
      CASE
        WHEN CAST(FLOOR(
          (
            CAST((
              CAST(`c3` AS TIMESTAMP_NTZ) - CAST(`u0` AS TIMESTAMP_NTZ)
            ) AS DECIMAL(20, 6))
          ) / 86400
        ) AS DOUBLE) < 7
        THEN 1
      END
    ) AS `a10`,
    SUM(CASE WHEN `_t` >= CAST('2026-08-03 00:00:00' AS TIMESTAMP_NTZ) THEN `c0` END) AS `a11`,
    AVG(CASE WHEN `_t` >= CAST('2026-05-05 00:00:00' AS TIMESTAMP_NTZ) THEN `c0` END) AS `a12`,
    MAX(CASE WHEN `_t` = `t_a13` THEN `c4` END) AS `a13`,
    MIN(CASE WHEN `_t` = `t_a14` THEN `c2` END) AS `a14`,
    COUNT(
      DISTINCT CASE
        WHEN `_t` >= CAST('2026-08-03 00:00:00' AS TIMESTAMP_NTZ)
        THEN CAST(`c3` AS DATE)
      END
    ) AS `a15`,
    SUM(CASE WHEN `_t` >= CAST('2026-01-01 00:00:00' AS TIMESTAMP_NTZ) THEN `c0` END) AS `a16`,
    SUM(
      CASE
        WHEN `_t` >= CAST('2026-08-03 00:00:00' AS TIMESTAMP_NTZ) AND `c1` IS NULL
        THEN `c0` * CAST(0.9 AS DOUBLE)
      END
    ) AS `a17`,
    MIN(`c3`) AS `a18`
  FROM `segl_evr_0`
  GROUP BY
    `_u`
), `segl_mfc_a8` AS (
  SELECT
    `_u`,
    `v`,
    COUNT(*) AS `n`
  FROM (
    SELECT
      `_u`,
      `c4` AS `v`
    FROM `segl_ev_0`
    WHERE
      `_t` >= CAST('2026-05-05 00:00:00' AS TIMESTAMP_NTZ)
  ) AS `vals`
  WHERE
    NOT (
      `v` IS NULL
    )
  GROUP BY
    `_u`,
    `v`
), `segl_mf_a8` AS (
  SELECT
    `_u` AS `_g`,
    `v` AS `a8`
  FROM (
    SELECT
      `_u`,
      `v`,
      ROW_NUMBER() OVER (PARTITION BY `_u` ORDER BY `n` DESC, `v` ASC NULLS LAST) AS `r`
    FROM `segl_mfc_a8`
  ) AS `ranked`
  WHERE
    `r` = 1
), `segl_ev_1` AS (
  SELECT
    `m`.`person` AS `_u`,
    CAST(`e`.`ts` AS TIMESTAMP_NTZ) AS `_t`,
    CAST(`e`.`ts` AS TIMESTAMP_NTZ) AS `c0`,
    `e`.`name` AS `c1`,
    `e`.`channel` AS `c2`
  FROM `events` AS `e`
  INNER JOIN `segl_retail_id_map` AS `m`
    ON `m`.`kind` = 'member'
    AND `m`.`id` = CAST(CASE
      WHEN CASE
        WHEN `e`.`user_id` < CAST(1e+19 AS DOUBLE)
        AND `e`.`user_id` > (
          -CAST(1e+19 AS DOUBLE)
        )
        THEN CASE
          WHEN CAST(`e`.`user_id` AS DECIMAL(38, 0)) >= (
            -9223372036854775808
          )
          AND CAST(`e`.`user_id` AS DECIMAL(38, 0)) < 9223372036854775808
          THEN `e`.`user_id` = FLOOR(`e`.`user_id`)
          ELSE FALSE
        END
        ELSE FALSE
      END
      THEN CAST(`e`.`user_id` AS BIGINT)
    END AS STRING)
  WHERE
    CAST(`e`.`ts` AS TIMESTAMP_NTZ) < CAST('2026-11-01 00:00:00' AS TIMESTAMP_NTZ)
), `segl_agg_1` AS (
  SELECT
    `_u` AS `_g`,
    MAX(CASE WHEN `c1` = 'visit' THEN `c0` END) AS `a19`,
    COUNT(
      CASE
        WHEN `_t` >= CAST('2026-08-01 00:00:00' AS TIMESTAMP_NTZ) AND `c1` = 'visit'
        THEN 1
      END
    ) AS `a20`,
    COUNT(
      CASE
        WHEN `_t` >= CAST('2026-10-02 00:00:00' AS TIMESTAMP_NTZ) AND `c1` = 'visit'
        THEN 1
      END
    ) AS `a21`,
    COUNT(
      CASE
        WHEN `_t` >= CAST('2026-08-03 00:00:00' AS TIMESTAMP_NTZ)
        AND (
          `c1` = 'visit' AND (
            DAYOFWEEK(`c0`) + 5
          ) % 7 + 1 >= 6
        )
        THEN 1
      END
    ) AS `a22`,
    COUNT(
      CASE
        WHEN `_t` >= CAST('2026-10-02 00:00:00' AS TIMESTAMP_NTZ) AND `c1` = 'push_click'
        THEN 1
      END
    ) AS `a23`
  FROM `segl_ev_1`
  GROUP BY
    `_u`
), `segl_mfc_a24` AS (
  SELECT
    `_u`,
    `v`,
    COUNT(*) AS `n`
  FROM (
    SELECT
      `_u`,
      `c2` AS `v`
    FROM `segl_ev_1`
    WHERE
      `_t` >= CAST('2026-05-05 00:00:00' AS TIMESTAMP_NTZ) AND `c1` = 'visit'
  ) AS `vals`
  WHERE
    NOT (
      `v` IS NULL
    )
  GROUP BY
    `_u`,
    `v`
), `segl_mf_a24` AS (
  SELECT
    `_u` AS `_g`,
    `v` AS `a24`
  FROM (
    SELECT
      `_u`,
      `v`,
      ROW_NUMBER() OVER (PARTITION BY `_u` ORDER BY `n` DESC, `v` ASC NULLS LAST) AS `r`
    FROM `segl_mfc_a24`
  ) AS `ranked`
  WHERE
    `r` = 1
), `segl_ev_2` AS (
  SELECT
    `m`.`person` AS `_u`,
    CAST(`e`.`claimed_at` AS TIMESTAMP_NTZ) AS `_t`
  FROM `coupons` AS `e`
  INNER JOIN `segl_retail_id_map` AS `m`
    ON `m`.`kind` = 'member'
    AND `m`.`id` = CAST(CASE
      WHEN CASE
        WHEN `e`.`user_id` < CAST(1e+19 AS DOUBLE)
        AND `e`.`user_id` > (
          -CAST(1e+19 AS DOUBLE)
        )
        THEN CASE
          WHEN CAST(`e`.`user_id` AS DECIMAL(38, 0)) >= (
            -9223372036854775808
          )
          AND CAST(`e`.`user_id` AS DECIMAL(38, 0)) < 9223372036854775808
          THEN `e`.`user_id` = FLOOR(`e`.`user_id`)
          ELSE FALSE
        END
        ELSE FALSE
      END
      THEN CAST(`e`.`user_id` AS BIGINT)
    END AS STRING)
  WHERE
    CAST(`e`.`claimed_at` AS TIMESTAMP_NTZ) < CAST('2026-11-01 00:00:00' AS TIMESTAMP_NTZ)
    AND CAST(`e`.`claimed_at` AS TIMESTAMP_NTZ) >= CAST('2026-08-03 00:00:00' AS TIMESTAMP_NTZ)
), `segl_agg_2` AS (
  SELECT
    `_u` AS `_g`,
    COUNT(CASE WHEN `_t` >= CAST('2026-08-03 00:00:00' AS TIMESTAMP_NTZ) THEN 1 END) AS `a25`
  FROM `segl_ev_2`
  GROUP BY
    `_u`
), `segl_ev_3` AS (
  SELECT
    `m`.`person` AS `_u`,
    CAST(`e`.`bound_at` AS TIMESTAMP_NTZ) AS `_t`
  FROM `wechat_bindings` AS `e`
  INNER JOIN `segl_retail_id_map` AS `m`
    ON `m`.`kind` = 'member'
    AND `m`.`id` = CAST(CASE
      WHEN CASE
        WHEN `e`.`user_id` < CAST(1e+19 AS DOUBLE)
        AND `e`.`user_id` > (
          -CAST(1e+19 AS DOUBLE)
        )
        THEN CASE
          WHEN CAST(`e`.`user_id` AS DECIMAL(38, 0)) >= (
            -9223372036854775808
          )
          AND CAST(`e`.`user_id` AS DECIMAL(38, 0)) < 9223372036854775808
          THEN `e`.`user_id` = FLOOR(`e`.`user_id`)
          ELSE FALSE
        END
        ELSE FALSE
      END
      THEN CAST(`e`.`user_id` AS BIGINT)
    END AS STRING)
  WHERE
    CAST(`e`.`bound_at` AS TIMESTAMP_NTZ) < CAST('2026-11-01 00:00:00' AS TIMESTAMP_NTZ)
), `segl_agg_3` AS (
  SELECT
    `_u` AS `_g`,
    COUNT(1) AS `a26`
  FROM `segl_ev_3`
  GROUP BY
    `_u`
), `segl_ev_4` AS (
  SELECT
    `m`.`person` AS `_u`,
    CAST(`e`.`ts` AS TIMESTAMP_NTZ) AS `_t`,
    CAST(`e`.`ts` AS TIMESTAMP_NTZ) AS `c0`,
    `e`.`device_id` AS `c1`
  FROM `app_events` AS `e`
  INNER JOIN `segl_retail_id_map` AS `m`
    ON `m`.`kind` = 'device' AND `m`.`id` = CAST(`e`.`device_id` AS STRING)
  WHERE
    CAST(`e`.`ts` AS TIMESTAMP_NTZ) < CAST('2026-11-01 00:00:00' AS TIMESTAMP_NTZ)
    AND CAST(`e`.`ts` AS TIMESTAMP_NTZ) >= CAST('2026-08-03 00:00:00' AS TIMESTAMP_NTZ)
), `segl_agg_4` AS (
  SELECT
    `_u` AS `_g`,
    COUNT(
      DISTINCT CASE
        WHEN `_t` >= CAST('2026-10-02 00:00:00' AS TIMESTAMP_NTZ)
        THEN CAST(`c0` AS DATE)
      END
    ) AS `a27`,
    COUNT(
      DISTINCT CASE WHEN `_t` >= CAST('2026-08-03 00:00:00' AS TIMESTAMP_NTZ) THEN `c1` END
    ) AS `a28`
  FROM `segl_ev_4`
  GROUP BY
    `_u`
), `segl_base` AS (
  SELECT
    `segl_usr`.*,
    COALESCE(`segl_agg_0`.`a0`, 0) AS `a0`,
    COALESCE(`segl_agg_0`.`a1`, 0) AS `a1`,
    NULLIF(COALESCE(`segl_agg_0`.`a2`, 0), CAST('NaN' AS DOUBLE)) AS `a2`,
    COALESCE(`segl_agg_0`.`a3`, 0) AS `a3`,
    COALESCE(`segl_agg_0`.`a4` > 0, FALSE) AS `a4`,
    COALESCE(`segl_agg_0`.`a5` > 0, FALSE) AS `a5`,
    COALESCE(`segl_agg_0`.`a6` > 0, FALSE) AS `a6`,
    `segl_agg_0`.`a7` AS `a7`,
    COALESCE(`segl_agg_0`.`a9`, 0) AS `a9`,
    COALESCE(`segl_agg_0`.`a10`, 0) AS `a10`,
    NULLIF(COALESCE(`segl_agg_0`.`a11`, 0), CAST('NaN' AS DOUBLE)) AS `a11`,
    NULLIF(`segl_agg_0`.`a12`, CAST('NaN' AS DOUBLE)) AS `a12`,
    `segl_agg_0`.`a13` AS `a13`,
    `segl_agg_0`.`a14` AS `a14`,
    COALESCE(`segl_agg_0`.`a15`, 0) AS `a15`,
    NULLIF(COALESCE(`segl_agg_0`.`a16`, 0), CAST('NaN' AS DOUBLE)) AS `a16`,
    NULLIF(COALESCE(`segl_agg_0`.`a17`, 0), CAST('NaN' AS DOUBLE)) AS `a17`,
    `segl_agg_0`.`a18` AS `a18`,
    `segl_mf_a8`.`a8` AS `a8`,
    `segl_agg_1`.`a19` AS `a19`,
    COALESCE(`segl_agg_1`.`a20`, 0) AS `a20`,
    COALESCE(`segl_agg_1`.`a21`, 0) AS `a21`,
    COALESCE(`segl_agg_1`.`a22`, 0) AS `a22`,
    COALESCE(`segl_agg_1`.`a23`, 0) AS `a23`,
    `segl_mf_a24`.`a24` AS `a24`,
    COALESCE(`segl_agg_2`.`a25`, 0) AS `a25`,
    COALESCE(`segl_agg_3`.`a26` > 0, FALSE) AS `a26`,
    COALESCE(`segl_agg_4`.`a27`, 0) AS `a27`,
    COALESCE(`segl_agg_4`.`a28`, 0) AS `a28`
  FROM `segl_usr`
  LEFT JOIN `segl_agg_0`
    ON `segl_agg_0`.`_g` = `segl_usr`.`_u`
  LEFT JOIN `segl_mf_a8`
    ON `segl_mf_a8`.`_g` = `segl_usr`.`_u`
  LEFT JOIN `segl_agg_1`
    ON `segl_agg_1`.`_g` = `segl_usr`.`_u`
  LEFT JOIN `segl_mf_a24`
    ON `segl_mf_a24`.`_g` = `segl_usr`.`_u`
  LEFT JOIN `segl_agg_2`
    ON `segl_agg_2`.`_g` = `segl_usr`.`_u`
  LEFT JOIN `segl_agg_3`
    ON `segl_agg_3`.`_g` = `segl_usr`.`_u`
  LEFT JOIN `segl_agg_4`
    ON `segl_agg_4`.`_g` = `segl_usr`.`_u`
), `segl_lvl_1` AS (
  SELECT
    *,
    TRY_DIVIDE(CAST(`a3` AS DOUBLE), CAST(`a1` AS DOUBLE)) AS `d6`,
    CASE
      WHEN `p_1` IN ('Beijing', '北京')
      THEN 'Beijing'
      WHEN `p_1` IN ('Chengdu', '成都')
      THEN 'Chengdu'
      ELSE `p_1`
    END AS `d14`,
    2026 - EXTRACT(YEAR FROM `p_2`) - CASE
      WHEN EXTRACT(MONTH FROM `p_2`) * 100 + EXTRACT(DAY FROM `p_2`) > 1101
      THEN 1
      ELSE 0
    END AS `d25`
  FROM `segl_base`
), `segl_lvl_2` AS (
  SELECT
    *,
    CASE
      WHEN CAST(FLOOR(
        (
          CAST((
            CAST(CAST('2026-11-01 00:00:00' AS TIMESTAMP_NTZ) AS TIMESTAMP_NTZ) - CAST(`p_0` AS TIMESTAMP_NTZ)
          ) AS DECIMAL(20, 6))
        ) / 86400
      ) AS DOUBLE) <= 30
      THEN 'new'
      WHEN CAST(FLOOR(
        (
          CAST((
            CAST(CAST('2026-11-01 00:00:00' AS TIMESTAMP_NTZ) AS TIMESTAMP_NTZ) - CAST(`a19` AS TIMESTAMP_NTZ)
          ) AS DECIMAL(20, 6))
        ) / 86400
      ) AS DOUBLE) > 90
      OR `a19` IS NULL
      THEN 'churned'
      WHEN `a0` >= 5
      THEN 'loyal'
      ELSE 'mature'
    END AS `d2`,
    CASE
      WHEN `a1` = 0
      THEN 'no_orders'
      WHEN `d6` >= CAST(0.8 AS DOUBLE) AND `a25` >= 3
      THEN 'fanatic'
      WHEN `d6` >= CAST(0.5 AS DOUBLE)
      THEN 'sensitive'
      WHEN `d6` >= CAST(0.2 AS DOUBLE)
      THEN 'neutral'
      ELSE 'indifferent'
    END AS `d8`,
    CASE
      WHEN `a13` = 'skincare'
      THEN 'makeup'
      WHEN `a13` = 'makeup'
      THEN 'skincare'
      WHEN `a13` = 'fragrance'
      THEN 'bodycare'
      WHEN `a13` = 'haircare'
      THEN 'bodycare'
      WHEN `a13` = 'bodycare'
      THEN 'fragrance'
    END AS `d53`
  FROM `segl_lvl_1`
)
SELECT
  `_u`,
  `a0` AS `d0`,
  `a19` AS `d1`,
  `d2`,
  `a1` AS `d3`,
  `a2` AS `d4`,
  CASE
    WHEN `a1` >= 3 AND `a2` >= 3000
    THEN 'hf_hv'
    WHEN `a1` >= 3
    THEN 'hf_lv'
    WHEN `a2` >= 3000
    THEN 'lf_hv'
    WHEN `a1` >= 1
    THEN 'lf_lv'
    ELSE 'none'
  END AS `d5`,
  `d6`,
  `a25` AS `d7`,
  `d8`,
  COALESCE(`a4` AND NOT `a5`, FALSE) AS `d9`,
  `a6` AS `d10`,
  `p_1` AS `d11`,
  `a20` AS `d12`,
  COALESCE(`a20` >= 3 AND `a0` >= 1 AND `p_1` = 'Beijing' AND NOT `a6`, FALSE) AS `d13`,
  `d14`,
  COALESCE(`a20` >= 3 AND `a0` >= 1 AND `d14` = 'Beijing' AND NOT `a6`, FALSE) AS `d15`,
  COALESCE(`d2` = 'loyal' AND `d14` = 'Beijing', FALSE) AS `d16`,
  `a21` AS `d17`,
  COALESCE(`a2` >= 3000 AND `a21` = 0 AND `a20` >= 1, FALSE) AS `d18`,
  COALESCE(`d8` IN ('fanatic', 'sensitive') AND `a25` >= 3, FALSE) AS `d19`,
  `a22` AS `d20`,
  COALESCE(`a22` >= 3 AND `a1` = 0, FALSE) AS `d21`,
  `a7` AS `d22`,
  `a8` AS `d23`,
  COALESCE(
    `a8` = 'skincare'
    AND (
      CAST(FLOOR(
        (
          CAST((
            CAST(CAST('2026-11-01 00:00:00' AS TIMESTAMP_NTZ) AS TIMESTAMP_NTZ) - CAST(`a7` AS TIMESTAMP_NTZ)
          ) AS DECIMAL(20, 6))
        ) / 86400
      ) AS DOUBLE) >= 30
      AND CAST(FLOOR(
        (
          CAST((
            CAST(CAST('2026-11-01 00:00:00' AS TIMESTAMP_NTZ) AS TIMESTAMP_NTZ) - CAST(`a7` AS TIMESTAMP_NTZ)
          ) AS DECIMAL(20, 6))
        ) / 86400
      ) AS DOUBLE) <= 90
    ),
    FALSE
  ) AS `d24`,
  `d25`,
  COALESCE(`d25` >= 18 AND `d25` <= 25 AND `d2` = 'new', FALSE) AS `d26`,
  `p_3` AS `d27`,
  `p_6` AS `d28`,
  COALESCE(`p_6` IN ('gold', 'platinum') AND `p_3` > 0, FALSE) AS `d29`,
  `a9` AS `d30`,
  COALESCE(`a9` = 0 AND `a1` >= 1 AND `a0` > `a1`, FALSE) AS `d31`,
  `a10` AS `d32`,
  COALESCE(`d2` = 'new' AND `a10` >= 2, FALSE) AS `d33`,
  `a11` AS `d34`,
  `a27` AS `d35`,
  COALESCE(`a27` >= 3 AND `a11` = 0, FALSE) AS `d36`,
  `a26` AS `d37`,
  COALESCE(`a1` >= 1 AND NOT `a26`, FALSE) AS `d38`,
  `p_4` AS `d39`,
  CAST(FLOOR(
    (
      CAST((
        CAST(CAST('2026-11-01 00:00:00' AS TIMESTAMP_NTZ) AS TIMESTAMP_NTZ) - CAST(`p_0` AS TIMESTAMP_NTZ)
      ) AS DECIMAL(20, 6))
    ) / 86400
  ) AS DOUBLE) AS `d40`,
  `a23` AS `d41`,
  `a28` AS `d42`,
  `a24` AS `d43`,
  `a12` AS `d44`,
  `a13` AS `d45`,
  `a14` AS `d46`,
  `a15` AS `d47`,
  `a16` AS `d48`,
  `a17` AS `d49`,
  CASE WHEN `a11` >= 5000 THEN 'high' WHEN `a11` >= 1000 THEN 'mid' ELSE 'low' END AS `d50`,
  CASE
    WHEN `a21` >= 8
    THEN 'high'
    WHEN `a21` >= 2
    THEN 'mid'
    WHEN `a20` >= 1
    THEN 'low'
    ELSE 'inactive'
  END AS `d51`,
  CAST(FLOOR(
    (
      CAST((
        CAST(CAST('2026-11-01 00:00:00' AS TIMESTAMP_NTZ) AS TIMESTAMP_NTZ) - CAST(`a19` AS TIMESTAMP_NTZ)
      ) AS DECIMAL(20, 6))
    ) / 86400
  ) AS DOUBLE) AS `d52`,
  `d53`,
  `a20` >= 1 AS `d54`,
  `a8` AS `d55`,
  `d53` AS `d56`,
  CAST(FLOOR(
    (
      CAST((
        CAST(CAST('2026-11-01 00:00:00' AS TIMESTAMP_NTZ) AS TIMESTAMP_NTZ) - CAST(`a19` AS TIMESTAMP_NTZ)
      ) AS DECIMAL(20, 6))
    ) / 86400
  ) AS DOUBLE) >= 30 AS `d57`,
  `a8` AS `d58`,
  CASE
    WHEN `a12` >= 800
    THEN 100
    WHEN `a12` >= 400
    THEN 50
    WHEN `a12` >= 150
    THEN 20
    ELSE 10
  END AS `d59`,
  `a0` = 1 AS `d60`,
  `a18` AS `d61`,
  `p_5` AS `d62`
FROM `segl_lvl_2`;

CREATE TABLE IF NOT EXISTS `segl_retail_tags`
USING PARQUET AS
SELECT
  CAST(NULL AS TIMESTAMP_NTZ) AS `as_of`,
  `_u` AS `user_id`,
  CAST(NULL AS DOUBLE) AS `purchases`,
  CAST(NULL AS TIMESTAMP_NTZ) AS `last_visit_at`,
  CAST(NULL AS DOUBLE) AS `purchases_180d`,
  CAST(NULL AS DOUBLE) AS `spend_180d`,
  CAST(NULL AS DOUBLE) AS `coupon_share_180d`,
  CAST(NULL AS DOUBLE) AS `coupon_claims_90d`,
  CAST(NULL AS BOOLEAN) AS `bought_shiseido_1w`,
  CAST(NULL AS STRING) AS `city`,
  CAST(NULL AS DOUBLE) AS `visits_3m`,
  CAST(NULL AS STRING) AS `home_city`,
  CAST(NULL AS DOUBLE) AS `visits_30d`,
  CAST(NULL AS DOUBLE) AS `weekend_visits_90d`,
  CAST(NULL AS TIMESTAMP_NTZ) AS `last_order_at`,
  CAST(NULL AS STRING) AS `top_category`,
  CAST(NULL AS DOUBLE) AS `age`,
  CAST(NULL AS DOUBLE) AS `balance`,
  CAST(NULL AS STRING) AS `member_level`,
  CAST(NULL AS DOUBLE) AS `orders_prev_quarter`,
  CAST(NULL AS DOUBLE) AS `orders_first_week`,
  CAST(NULL AS DOUBLE) AS `spend_90d`,
  CAST(NULL AS DOUBLE) AS `app_days_30d`,
  CAST(NULL AS BOOLEAN) AS `wechat_bound`,
  CAST(NULL AS STRING) AS `gender`,
  CAST(NULL AS DOUBLE) AS `registered_days`,
  CAST(NULL AS DOUBLE) AS `push_clicks_30d`,
  CAST(NULL AS DOUBLE) AS `app_devices_90d`,
  CAST(NULL AS STRING) AS `preferred_channel`,
  CAST(NULL AS DOUBLE) AS `avg_order_value`,
  CAST(NULL AS STRING) AS `last_order_category`,
  CAST(NULL AS STRING) AS `first_brand`,
  CAST(NULL AS DOUBLE) AS `shopping_days_90d`,
  CAST(NULL AS DOUBLE) AS `spend_this_year`,
  CAST(NULL AS DOUBLE) AS `discounted_spend_90d`,
  CAST(NULL AS STRING) AS `value_level`,
  CAST(NULL AS STRING) AS `activity_level`,
  CAST(NULL AS DOUBLE) AS `days_since_visit`,
  CAST(NULL AS STRING) AS `complementary_category`
FROM `segl_retail_result`
WHERE
  1 = 0;

DROP TABLE IF EXISTS `segl_retail_tags__next`;

CREATE TABLE `segl_retail_tags__next`
USING PARQUET AS
SELECT
  *
FROM `segl_retail_tags`
WHERE
  NOT (
    `as_of` IS NOT DISTINCT FROM CAST('2026-11-01 00:00:00' AS TIMESTAMP_NTZ)
  );

INSERT INTO `segl_retail_tags__next` (
  `as_of`,
  `user_id`,
  `purchases`,
  `last_visit_at`,
  `purchases_180d`,
  `spend_180d`,
  `coupon_share_180d`,
  `coupon_claims_90d`,
  `bought_shiseido_1w`,
  `city`,
  `visits_3m`,
  `home_city`,
  `visits_30d`,
  `weekend_visits_90d`,
  `last_order_at`,
  `top_category`,
  `age`,
  `balance`,
  `member_level`,
  `orders_prev_quarter`,
  `orders_first_week`,
  `spend_90d`,
  `app_days_30d`,
  `wechat_bound`,
  `gender`,
  `registered_days`,
  `push_clicks_30d`,
  `app_devices_90d`,
  `preferred_channel`,
  `avg_order_value`,
  `last_order_category`,
  `first_brand`,
  `shopping_days_90d`,
  `spend_this_year`,
  `discounted_spend_90d`,
  `value_level`,
  `activity_level`,
  `days_since_visit`,
  `complementary_category`
)
SELECT
  CAST('2026-11-01 00:00:00' AS TIMESTAMP_NTZ),
  `_u`,
  CAST(`d0` AS DOUBLE),
  CAST(`d1` AS TIMESTAMP_NTZ),
  CAST(`d3` AS DOUBLE),
  CAST(`d4` AS DOUBLE),
  CAST(`d6` AS DOUBLE),
  CAST(`d7` AS DOUBLE),
  CAST(`d10` AS BOOLEAN),
  CAST(`d11` AS STRING),
  CAST(`d12` AS DOUBLE),
  CAST(`d14` AS STRING),
  CAST(`d17` AS DOUBLE),
  CAST(`d20` AS DOUBLE),
  CAST(`d22` AS TIMESTAMP_NTZ),
  CAST(`d23` AS STRING),
  CAST(`d25` AS DOUBLE),
  CAST(`d27` AS DOUBLE),
  CAST(`d28` AS STRING),
  CAST(`d30` AS DOUBLE),
  CAST(`d32` AS DOUBLE),
  CAST(`d34` AS DOUBLE),
  CAST(`d35` AS DOUBLE),
  CAST(`d37` AS BOOLEAN),
  CAST(`d39` AS STRING),
  CAST(`d40` AS DOUBLE),
  CAST(`d41` AS DOUBLE),
  CAST(`d42` AS DOUBLE),
  CAST(`d43` AS STRING),
  CAST(`d44` AS DOUBLE),
  CAST(`d45` AS STRING),
  CAST(`d46` AS STRING),
  CAST(`d47` AS DOUBLE),
  CAST(`d48` AS DOUBLE),
  CAST(`d49` AS DOUBLE),
  CAST(`d50` AS STRING),
  CAST(`d51` AS STRING),
  CAST(`d52` AS DOUBLE),
  CAST(`d53` AS STRING)
FROM `segl_retail_result`;

CREATE TABLE IF NOT EXISTS `segl_retail_members`
USING PARQUET AS
SELECT
  CAST(NULL AS TIMESTAMP_NTZ) AS `as_of`,
  CAST(NULL AS STRING) AS `segment`,
  `_u` AS `user_id`
FROM `segl_retail_result`
WHERE
  1 = 0;

DROP TABLE IF EXISTS `segl_retail_members__next`;

CREATE TABLE `segl_retail_members__next`
USING PARQUET AS
SELECT
  *
FROM `segl_retail_members`
WHERE
  NOT (
    `as_of` IS NOT DISTINCT FROM CAST('2026-11-01 00:00:00' AS TIMESTAMP_NTZ)
  );

INSERT INTO `segl_retail_members__next` (
  `as_of`,
  `segment`,
  `user_id`
)
SELECT
  CAST('2026-11-01 00:00:00' AS TIMESTAMP_NTZ),
  'lapsed_buyers',
  `_u`
FROM `segl_retail_result`
WHERE
  `d9` = TRUE
UNION ALL
SELECT
  CAST('2026-11-01 00:00:00' AS TIMESTAMP_NTZ),
  'beijing_loyal',
  `_u`
FROM `segl_retail_result`
WHERE
  `d13` = TRUE
UNION ALL
SELECT
  CAST('2026-11-01 00:00:00' AS TIMESTAMP_NTZ),
  'beijing_loyal_any_spelling',
  `_u`
FROM `segl_retail_result`
WHERE
  `d15` = TRUE
UNION ALL
SELECT
  CAST('2026-11-01 00:00:00' AS TIMESTAMP_NTZ),
  'loyal_beijing',
  `_u`
FROM `segl_retail_result`
WHERE
  `d16` = TRUE
UNION ALL
SELECT
  CAST('2026-11-01 00:00:00' AS TIMESTAMP_NTZ),
  'high_value_at_risk',
  `_u`
FROM `segl_retail_result`
WHERE
  `d18` = TRUE
UNION ALL
SELECT
  CAST('2026-11-01 00:00:00' AS TIMESTAMP_NTZ),
  'coupon_hunters',
  `_u`
FROM `segl_retail_result`
WHERE
  `d19` = TRUE
UNION ALL
SELECT
  CAST('2026-11-01 00:00:00' AS TIMESTAMP_NTZ),
  'weekend_browsers',
  `_u`
FROM `segl_retail_result`
WHERE
  `d21` = TRUE
UNION ALL
SELECT
  CAST('2026-11-01 00:00:00' AS TIMESTAMP_NTZ),
  'skincare_fans_no_recent_order',
  `_u`
FROM `segl_retail_result`
WHERE
  `d24` = TRUE
UNION ALL
SELECT
  CAST('2026-11-01 00:00:00' AS TIMESTAMP_NTZ),
  'young_new_members',
  `_u`
FROM `segl_retail_result`
WHERE
  `d26` = TRUE
UNION ALL
SELECT
  CAST('2026-11-01 00:00:00' AS TIMESTAMP_NTZ),
  'gold_or_better',
  `_u`
FROM `segl_retail_result`
WHERE
  `d29` = TRUE
UNION ALL
SELECT
  CAST('2026-11-01 00:00:00' AS TIMESTAMP_NTZ),
  'reactivated',
  `_u`
FROM `segl_retail_result`
WHERE
  `d31` = TRUE
UNION ALL
SELECT
  CAST('2026-11-01 00:00:00' AS TIMESTAMP_NTZ),
  'fast_starters',
  `_u`
FROM `segl_retail_result`
WHERE
  `d33` = TRUE
UNION ALL
SELECT
  CAST('2026-11-01 00:00:00' AS TIMESTAMP_NTZ),
  'app_browsers_no_order',
  `_u`
FROM `segl_retail_result`
WHERE
  `d36` = TRUE
UNION ALL
SELECT
  CAST('2026-11-01 00:00:00' AS TIMESTAMP_NTZ),
  'bind_wechat_invite',
  `_u`
FROM `segl_retail_result`
WHERE
  `d38` = TRUE;

CREATE TABLE IF NOT EXISTS `segl_retail_layers`
USING PARQUET AS
SELECT
  CAST(NULL AS TIMESTAMP_NTZ) AS `as_of`,
  CAST(NULL AS STRING) AS `layering`,
  `_u` AS `user_id`,
  CAST(NULL AS STRING) AS `layer`
FROM `segl_retail_result`
WHERE
  1 = 0;

DROP TABLE IF EXISTS `segl_retail_layers__next`;

CREATE TABLE `segl_retail_layers__next`
USING PARQUET AS
SELECT
  *
FROM `segl_retail_layers`
WHERE
  NOT (
    `as_of` IS NOT DISTINCT FROM CAST('2026-11-01 00:00:00' AS TIMESTAMP_NTZ)
  );

INSERT INTO `segl_retail_layers__next` (
  `as_of`,
  `layering`,
  `user_id`,
  `layer`
)
SELECT
  CAST('2026-11-01 00:00:00' AS TIMESTAMP_NTZ),
  'lifecycle',
  `_u`,
  `d2`
FROM `segl_retail_result`
WHERE
  NOT (
    `d2` IS NULL
  )
UNION ALL
SELECT
  CAST('2026-11-01 00:00:00' AS TIMESTAMP_NTZ),
  'value_quadrant',
  `_u`,
  `d5`
FROM `segl_retail_result`
WHERE
  NOT (
    `d5` IS NULL
  )
UNION ALL
SELECT
  CAST('2026-11-01 00:00:00' AS TIMESTAMP_NTZ),
  'promo_sensitivity',
  `_u`,
  `d8`
FROM `segl_retail_result`
WHERE
  NOT (
    `d8` IS NULL
  );

CREATE TABLE IF NOT EXISTS `segl_retail_persons`
USING PARQUET AS
SELECT
  CAST(NULL AS TIMESTAMP_NTZ) AS `as_of`,
  CAST(NULL AS STRING) AS `person`,
  CAST(NULL AS STRING) AS `kind`,
  CAST(NULL AS STRING) AS `id`
FROM `segl_retail_result`
WHERE
  1 = 0;

DROP TABLE IF EXISTS `segl_retail_persons__next`;

CREATE TABLE `segl_retail_persons__next`
USING PARQUET AS
SELECT
  *
FROM `segl_retail_persons`
WHERE
  NOT (
    `as_of` IS NOT DISTINCT FROM CAST('2026-11-01 00:00:00' AS TIMESTAMP_NTZ)
  );

INSERT INTO `segl_retail_persons__next` (
  `as_of`,
  `person`,
  `kind`,
  `id`
)
SELECT
  CAST('2026-11-01 00:00:00' AS TIMESTAMP_NTZ),
  `person`,
  `kind`,
  `id`
FROM `segl_retail_id_map`;

CREATE TABLE IF NOT EXISTS `segl_retail_shared_ids`
USING PARQUET AS
SELECT
  CAST(NULL AS TIMESTAMP_NTZ) AS `as_of`,
  CAST(NULL AS STRING) AS `id`,
  CAST(NULL AS BIGINT) AS `links`
FROM `segl_retail_result`
WHERE
  1 = 0;

DROP TABLE IF EXISTS `segl_retail_shared_ids__next`;

CREATE TABLE `segl_retail_shared_ids__next`
USING PARQUET AS
SELECT
  *
FROM `segl_retail_shared_ids`
WHERE
  NOT (
    `as_of` IS NOT DISTINCT FROM CAST('2026-11-01 00:00:00' AS TIMESTAMP_NTZ)
  );

INSERT INTO `segl_retail_shared_ids__next` (
  `as_of`,
  `id`,
  `links`
)
SELECT
  CAST('2026-11-01 00:00:00' AS TIMESTAMP_NTZ),
  `n`,
  CAST(`links` AS BIGINT)
FROM `segl_retail_id_shared`;

CREATE TABLE IF NOT EXISTS `segl_runs`
USING PARQUET AS
SELECT
  CAST(NULL AS STRING) AS `project`,
  CAST(NULL AS TIMESTAMP_NTZ) AS `as_of`,
  CAST(NULL AS STRING) AS `timezone`,
  CAST(NULL AS TIMESTAMP) AS `run_at`,
  CAST(NULL AS DOUBLE) AS `duration_seconds`,
  CAST(NULL AS BIGINT) AS `users`,
  CAST(NULL AS STRING) AS `rules_fingerprint`,
  CAST(NULL AS STRING) AS `segl_version`,
  CAST(NULL AS STRING) AS `definitions`
FROM `segl_retail_result`
WHERE
  1 = 0;

DROP TABLE IF EXISTS `segl_runs__next`;

CREATE TABLE `segl_runs__next`
USING PARQUET AS
SELECT
  *
FROM `segl_runs`
WHERE
  NOT (
    `project` IS NOT DISTINCT FROM 'retail'
    AND `as_of` IS NOT DISTINCT FROM CAST('2026-11-01 00:00:00' AS TIMESTAMP_NTZ)
  );

INSERT INTO `segl_runs__next` (
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
  'retail',
  CAST('2026-11-01 00:00:00' AS TIMESTAMP_NTZ),
  'Asia/Shanghai',
  CAST(CURRENT_TIMESTAMP() AS TIMESTAMP),
  CAST(NULL AS DOUBLE),
  CAST(COUNT(*) AS BIGINT),
  '2b9907352bd21c4a9d67281cb6c04dd7ad441ba4e44496f6de41b574aee382d3',
  'unknown',
  '{"activity_level": "6dc02abc89a3719f", "age": "07c128c3f70f29ae", "app_browsers_no_order": "5d3c878442ab1483", "app_days_30d": "ad34f399b9461610", "app_devices_90d": "ca255d1fb802edec", "avg_order_value": "37bcfeaab94b2082", "balance": "58f5ec061737f7ae", "beijing_loyal": "e7d2fd39217c044e", "beijing_loyal_any_spelling": "26a61f8db1e15a06", "bind_wechat_invite": "3a6c29b10c8ff463", "bought_shiseido_1w": "cb4f6d8017ac59cc", "city": "8b97e5c23c3f1259", "complementary_category": "687c2a5143a80f4a", "coupon_claims_90d": "3f66436810dcd48f", "coupon_hunters": "f383dc4f37f59f84", "coupon_share_180d": "bf505e1c150ef59f", "days_since_visit": "41de3c7d55eedfd3", "discounted_spend_90d": "9805f0fa5ebcea5f", "fast_starters": "c2c63c3aae6bba30", "first_brand": "090fcaa848ecc35a", "gender": "1495a4f2bcb032e8", "gold_or_better": "a7e64b612a710382", "high_value_at_risk": "b19410bec51145d6", "home_city": "78de8db4c1c96996", "lapsed_buyers": "f27ad8a15bb000eb", "last_order_at": "5841bb9094a7e67f", "last_order_category": "77aee1f3d70f0c29", "last_visit_at": "9791ad33607490e3", "lifecycle": "10aa3221978a5e9d", "loyal_beijing": "23c20b3bd1c75656", "member_level": "89fcd83b812a7fee", "orders_first_week": "bef3c8bc1bbb5832", "orders_prev_quarter": "ba3a2a49d06bbdec", "preferred_channel": "02201f2ea174c7d6", "promo_sensitivity": "bc12945c9a299af6", "purchases": "54fbe7820974b365", "purchases_180d": "a413329870f785ca", "push_clicks_30d": "5ba164c93b65116e", "reactivated": "2fb35a943fe51a95", "registered_days": "da546ef61dd71367", "shopping_days_90d": "6f0ede754876ff09", "skincare_fans_no_recent_order": "423b358d0cd844a5", "spend_180d": "c8d7089bf0a28f7c", "spend_90d": "1c8278f50db71731", "spend_this_year": "eb22b3a528385088", "top_category": "55c37ca9e1f8f141", "value_level": "e817e2b9fb81ad04", "value_quadrant": "a1e79e1e1d2e19fc", "visits_30d": "a79a7a70a19f3969", "visits_3m": "db961de7f4916e21", "wechat_bound": "0d0a812dab485038", "weekend_browsers": "f0ab2e1c0c876650", "weekend_visits_90d": "420f74c31fc2f050", "young_new_members": "856c5674cc45167d"}'
FROM `segl_retail_result`;

DROP TABLE IF EXISTS `segl_retail_tags__old`;

ALTER TABLE `segl_retail_tags`
RENAME TO `segl_retail_tags__old`;

DROP TABLE IF EXISTS `segl_retail_members__old`;

ALTER TABLE `segl_retail_members`
RENAME TO `segl_retail_members__old`;

DROP TABLE IF EXISTS `segl_retail_layers__old`;

ALTER TABLE `segl_retail_layers`
RENAME TO `segl_retail_layers__old`;

DROP TABLE IF EXISTS `segl_retail_persons__old`;

ALTER TABLE `segl_retail_persons`
RENAME TO `segl_retail_persons__old`;

DROP TABLE IF EXISTS `segl_retail_shared_ids__old`;

ALTER TABLE `segl_retail_shared_ids`
RENAME TO `segl_retail_shared_ids__old`;

DROP TABLE IF EXISTS `segl_runs__old`;

ALTER TABLE `segl_runs`
RENAME TO `segl_runs__old`;

ALTER TABLE `segl_retail_tags__next`
RENAME TO `segl_retail_tags`;

ALTER TABLE `segl_retail_members__next`
RENAME TO `segl_retail_members`;

ALTER TABLE `segl_retail_layers__next`
RENAME TO `segl_retail_layers`;

ALTER TABLE `segl_retail_persons__next`
RENAME TO `segl_retail_persons`;

ALTER TABLE `segl_retail_shared_ids__next`
RENAME TO `segl_retail_shared_ids`;

ALTER TABLE `segl_runs__next`
RENAME TO `segl_runs`;

DROP TABLE IF EXISTS `segl_retail_tags__old`;

DROP TABLE IF EXISTS `segl_retail_members__old`;

DROP TABLE IF EXISTS `segl_retail_layers__old`;

DROP TABLE IF EXISTS `segl_retail_persons__old`;

DROP TABLE IF EXISTS `segl_retail_shared_ids__old`;

DROP TABLE IF EXISTS `segl_runs__old`;

DROP TABLE IF EXISTS `segl_retail_result`;

DROP TABLE IF EXISTS `segl_retail_id_links`;

DROP TABLE IF EXISTS `segl_retail_id_ids`;

DROP TABLE IF EXISTS `segl_retail_id_shared`;

DROP TABLE IF EXISTS `segl_retail_id_map`;

DROP TABLE IF EXISTS `segl_retail_id_labels`;

DROP TABLE IF EXISTS `segl_retail_id_e0`;
