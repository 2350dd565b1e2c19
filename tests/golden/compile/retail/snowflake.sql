-- segl: project 'retail', target snowflake
-- as of 2026-11-01 00:00:00 (Asia/Shanghai); window bounds below are literals computed from it
-- results: segl_retail_tags, segl_retail_members, segl_retail_layers, segl_retail_persons, segl_retail_shared_ids, segl_runs
-- journeys are decided by `segl run` only: this script leaves them out
-- alerts are evaluated by `segl run` only: this script leaves them out

CREATE TEMPORARY TABLE "SEGL_RETAIL_ID_LINKS" AS
SELECT DISTINCT
  "A",
  "B"
FROM (
  SELECT
    CASE WHEN "Y" < "X" THEN "X" ELSE "Y" END AS "A",
    CASE WHEN "Y" < "X" THEN "Y" ELSE "X" END AS "B"
  FROM (
    SELECT
      'member:' || CAST(CASE
        WHEN CASE
          WHEN "S"."USER_ID" < CAST(1e+19 AS DOUBLE)
          AND "S"."USER_ID" > (
            -CAST(1e+19 AS DOUBLE)
          )
          THEN CASE
            WHEN CAST("S"."USER_ID" AS DECIMAL(38, 0)) >= (
              -9223372036854775808
            )
            AND CAST("S"."USER_ID" AS DECIMAL(38, 0)) < 9223372036854775808
            THEN "S"."USER_ID" = FLOOR("S"."USER_ID")
            ELSE FALSE
          END
          ELSE FALSE
        END
        THEN CAST("S"."USER_ID" AS BIGINT)
      END AS VARCHAR) AS "X",
      'openid:' || CAST("S"."OPENID" AS VARCHAR) AS "Y"
    FROM "WECHAT_BINDINGS" AS "S"
    WHERE
      NOT (
        CAST(CASE
          WHEN CASE
            WHEN "S"."USER_ID" < CAST(1e+19 AS DOUBLE)
            AND "S"."USER_ID" > (
              -CAST(1e+19 AS DOUBLE)
            )
            THEN CASE
              WHEN CAST("S"."USER_ID" AS DECIMAL(38, 0)) >= (
                -9223372036854775808
              )
              AND CAST("S"."USER_ID" AS DECIMAL(38, 0)) < 9223372036854775808
              THEN "S"."USER_ID" = FLOOR("S"."USER_ID")
              ELSE FALSE
            END
            ELSE FALSE
          END
          THEN CAST("S"."USER_ID" AS BIGINT)
        END AS VARCHAR) IS NULL
      )
      AND NOT (
        CAST("S"."OPENID" AS VARCHAR) IS NULL
      )
      AND CAST("S"."BOUND_AT" AS TIMESTAMP) < CAST('2026-11-01 00:00:00' AS TIMESTAMP)
  ) AS "P"
  WHERE
    "X" <> "Y"
  UNION ALL
  SELECT
    CASE WHEN "Y" < "X" THEN "X" ELSE "Y" END AS "A",
    CASE WHEN "Y" < "X" THEN "Y" ELSE "X" END AS "B"
  FROM (
    SELECT
      'device:' || CAST("S"."DEVICE_ID" AS VARCHAR) AS "X",
      'openid:' || CAST("S"."OPENID" AS VARCHAR) AS "Y"
    FROM "APP_EVENTS" AS "S"
    WHERE
      NOT (
        CAST("S"."DEVICE_ID" AS VARCHAR) IS NULL
      )
      AND NOT (
        CAST("S"."OPENID" AS VARCHAR) IS NULL
      )
      AND CAST("S"."TS" AS TIMESTAMP) < CAST('2026-11-01 00:00:00' AS TIMESTAMP)
  ) AS "P"
  WHERE
    "X" <> "Y"
) AS "L";

CREATE TEMPORARY TABLE "SEGL_RETAIL_ID_IDS" AS
SELECT
  "KIND" || ':' || "ID" AS "N",
  "KIND",
  "ID",
  "PREF"
FROM (
  SELECT
    'member' AS "KIND",
    CAST(CASE
      WHEN CASE
        WHEN "S"."USER_ID" < CAST(1e+19 AS DOUBLE)
        AND "S"."USER_ID" > (
          -CAST(1e+19 AS DOUBLE)
        )
        THEN CASE
          WHEN CAST("S"."USER_ID" AS DECIMAL(38, 0)) >= (
            -9223372036854775808
          )
          AND CAST("S"."USER_ID" AS DECIMAL(38, 0)) < 9223372036854775808
          THEN "S"."USER_ID" = FLOOR("S"."USER_ID")
          ELSE FALSE
        END
        ELSE FALSE
      END
      THEN CAST("S"."USER_ID" AS BIGINT)
    END AS VARCHAR) AS "ID",
    0 AS "PREF"
  FROM "USERS" AS "S"
  WHERE
    NOT (
      CAST(CASE
        WHEN CASE
          WHEN "S"."USER_ID" < CAST(1e+19 AS DOUBLE)
          AND "S"."USER_ID" > (
            -CAST(1e+19 AS DOUBLE)
          )
          THEN CASE
            WHEN CAST("S"."USER_ID" AS DECIMAL(38, 0)) >= (
              -9223372036854775808
            )
            AND CAST("S"."USER_ID" AS DECIMAL(38, 0)) < 9223372036854775808
            THEN "S"."USER_ID" = FLOOR("S"."USER_ID")
            ELSE FALSE
          END
          ELSE FALSE
        END
        THEN CAST("S"."USER_ID" AS BIGINT)
      END AS VARCHAR) IS NULL
    )
    AND (
      CAST("S"."REGISTERED_AT" AS TIMESTAMP) IS NULL
      OR CAST("S"."REGISTERED_AT" AS TIMESTAMP) < CAST('2026-11-01 00:00:00' AS TIMESTAMP)
    )
  UNION
  SELECT
    'member' AS "KIND",
    CAST(CASE
      WHEN CASE
        WHEN "S"."USER_ID" < CAST(1e+19 AS DOUBLE)
        AND "S"."USER_ID" > (
          -CAST(1e+19 AS DOUBLE)
        )
        THEN CASE
          WHEN CAST("S"."USER_ID" AS DECIMAL(38, 0)) >= (
            -9223372036854775808
          )
          AND CAST("S"."USER_ID" AS DECIMAL(38, 0)) < 9223372036854775808
          THEN "S"."USER_ID" = FLOOR("S"."USER_ID")
          ELSE FALSE
        END
        ELSE FALSE
      END
      THEN CAST("S"."USER_ID" AS BIGINT)
    END AS VARCHAR) AS "ID",
    0 AS "PREF"
  FROM "WECHAT_BINDINGS" AS "S"
  WHERE
    NOT (
      CAST(CASE
        WHEN CASE
          WHEN "S"."USER_ID" < CAST(1e+19 AS DOUBLE)
          AND "S"."USER_ID" > (
            -CAST(1e+19 AS DOUBLE)
          )
          THEN CASE
            WHEN CAST("S"."USER_ID" AS DECIMAL(38, 0)) >= (
              -9223372036854775808
            )
            AND CAST("S"."USER_ID" AS DECIMAL(38, 0)) < 9223372036854775808
            THEN "S"."USER_ID" = FLOOR("S"."USER_ID")
            ELSE FALSE
          END
          ELSE FALSE
        END
        THEN CAST("S"."USER_ID" AS BIGINT)
      END AS VARCHAR) IS NULL
    )
    AND CAST("S"."BOUND_AT" AS TIMESTAMP) < CAST('2026-11-01 00:00:00' AS TIMESTAMP)
  UNION
  SELECT
    'openid' AS "KIND",
    CAST("S"."OPENID" AS VARCHAR) AS "ID",
    1 AS "PREF"
  FROM "WECHAT_BINDINGS" AS "S"
  WHERE
    NOT (
      CAST("S"."OPENID" AS VARCHAR) IS NULL
    )
    AND CAST("S"."BOUND_AT" AS TIMESTAMP) < CAST('2026-11-01 00:00:00' AS TIMESTAMP)
  UNION
  SELECT
    'device' AS "KIND",
    CAST("S"."DEVICE_ID" AS VARCHAR) AS "ID",
    2 AS "PREF"
  FROM "APP_EVENTS" AS "S"
  WHERE
    NOT (
      CAST("S"."DEVICE_ID" AS VARCHAR) IS NULL
    )
    AND CAST("S"."TS" AS TIMESTAMP) < CAST('2026-11-01 00:00:00' AS TIMESTAMP)
  UNION
  SELECT
    'openid' AS "KIND",
    CAST("S"."OPENID" AS VARCHAR) AS "ID",
    1 AS "PREF"
  FROM "APP_EVENTS" AS "S"
  WHERE
    NOT (
      CAST("S"."OPENID" AS VARCHAR) IS NULL
    )
    AND CAST("S"."TS" AS TIMESTAMP) < CAST('2026-11-01 00:00:00' AS TIMESTAMP)
) AS "I";

CREATE TEMPORARY TABLE "SEGL_RETAIL_ID_SHARED" AS
SELECT
  "N",
  COUNT(*) AS "LINKS"
FROM (
  SELECT
    "A" AS "N"
  FROM "SEGL_RETAIL_ID_LINKS"
  UNION ALL
  SELECT
    "B" AS "N"
  FROM "SEGL_RETAIL_ID_LINKS"
) AS "D"
GROUP BY
  "N"
HAVING
  COUNT(*) > 20;

CREATE TEMPORARY TABLE "SEGL_RETAIL_ID_E0" AS
SELECT
  "A",
  "B"
FROM "SEGL_RETAIL_ID_LINKS"
WHERE
  NOT "A" IN (
    SELECT
      "N"
    FROM "SEGL_RETAIL_ID_SHARED"
  )
  AND NOT "B" IN (
    SELECT
      "N"
    FROM "SEGL_RETAIL_ID_SHARED"
  );

CREATE TEMPORARY TABLE "SEGL_RETAIL_ID_E1" AS
SELECT DISTINCT
  "N"."V" AS "A",
  CASE WHEN "M"."U" < "M"."MV" THEN "M"."U" ELSE "M"."MV" END AS "B"
FROM (
  SELECT
    "A" AS "U",
    "B" AS "V"
  FROM "SEGL_RETAIL_ID_E0"
  UNION ALL
  SELECT
    "B" AS "U",
    "A" AS "V"
  FROM "SEGL_RETAIL_ID_E0"
) AS "N"
INNER JOIN (
  SELECT
    "U",
    MIN("V") AS "MV"
  FROM (
    SELECT
      "A" AS "U",
      "B" AS "V"
    FROM "SEGL_RETAIL_ID_E0"
    UNION ALL
    SELECT
      "B" AS "U",
      "A" AS "V"
    FROM "SEGL_RETAIL_ID_E0"
  ) AS "NB"
  GROUP BY
    "U"
) AS "M"
  ON "M"."U" = "N"."U"
WHERE
  "N"."U" < "N"."V";

CREATE TEMPORARY TABLE "SEGL_RETAIL_ID_E2" AS
SELECT DISTINCT
  "A",
  "B"
FROM (
  SELECT
    "E"."B" AS "A",
    "M"."MV" AS "B"
  FROM "SEGL_RETAIL_ID_E1" AS "E"
  INNER JOIN (
    SELECT
      "A" AS "U",
      MIN("B") AS "MV"
    FROM "SEGL_RETAIL_ID_E1"
    GROUP BY
      "A"
  ) AS "M"
    ON "M"."U" = "E"."A"
  WHERE
    "E"."B" <> "M"."MV"
  UNION ALL
  SELECT
    "U" AS "A",
    "MV" AS "B"
  FROM (
    SELECT
      "A" AS "U",
      MIN("B") AS "MV"
    FROM "SEGL_RETAIL_ID_E1"
    GROUP BY
      "A"
  ) AS "C"
) AS "S";

DROP TABLE IF EXISTS "SEGL_RETAIL_ID_E1";

DROP TABLE IF EXISTS "SEGL_RETAIL_ID_E0";

CREATE TEMPORARY TABLE "SEGL_RETAIL_ID_E3" AS
SELECT DISTINCT
  "N"."V" AS "A",
  CASE WHEN "M"."U" < "M"."MV" THEN "M"."U" ELSE "M"."MV" END AS "B"
FROM (
  SELECT
    "A" AS "U",
    "B" AS "V"
  FROM "SEGL_RETAIL_ID_E2"
  UNION ALL
  SELECT
    "B" AS "U",
    "A" AS "V"
  FROM "SEGL_RETAIL_ID_E2"
) AS "N"
INNER JOIN (
  SELECT
    "U",
    MIN("V") AS "MV"
  FROM (
    SELECT
      "A" AS "U",
      "B" AS "V"
    FROM "SEGL_RETAIL_ID_E2"
    UNION ALL
    SELECT
      "B" AS "U",
      "A" AS "V"
    FROM "SEGL_RETAIL_ID_E2"
  ) AS "NB"
  GROUP BY
    "U"
) AS "M"
  ON "M"."U" = "N"."U"
WHERE
  "N"."U" < "N"."V";

CREATE TEMPORARY TABLE "SEGL_RETAIL_ID_E4" AS
SELECT DISTINCT
  "A",
  "B"
FROM (
  SELECT
    "E"."B" AS "A",
    "M"."MV" AS "B"
  FROM "SEGL_RETAIL_ID_E3" AS "E"
  INNER JOIN (
    SELECT
      "A" AS "U",
      MIN("B") AS "MV"
    FROM "SEGL_RETAIL_ID_E3"
    GROUP BY
      "A"
  ) AS "M"
    ON "M"."U" = "E"."A"
  WHERE
    "E"."B" <> "M"."MV"
  UNION ALL
  SELECT
    "U" AS "A",
    "MV" AS "B"
  FROM (
    SELECT
      "A" AS "U",
      MIN("B") AS "MV"
    FROM "SEGL_RETAIL_ID_E3"
    GROUP BY
      "A"
  ) AS "C"
) AS "S";

DROP TABLE IF EXISTS "SEGL_RETAIL_ID_E3";

DROP TABLE IF EXISTS "SEGL_RETAIL_ID_E2";

CREATE TEMPORARY TABLE "SEGL_RETAIL_ID_E5" AS
SELECT DISTINCT
  "N"."V" AS "A",
  CASE WHEN "M"."U" < "M"."MV" THEN "M"."U" ELSE "M"."MV" END AS "B"
FROM (
  SELECT
    "A" AS "U",
    "B" AS "V"
  FROM "SEGL_RETAIL_ID_E4"
  UNION ALL
  SELECT
    "B" AS "U",
    "A" AS "V"
  FROM "SEGL_RETAIL_ID_E4"
) AS "N"
INNER JOIN (
  SELECT
    "U",
    MIN("V") AS "MV"
  FROM (
    SELECT
      "A" AS "U",
      "B" AS "V"
    FROM "SEGL_RETAIL_ID_E4"
    UNION ALL
    SELECT
      "B" AS "U",
      "A" AS "V"
    FROM "SEGL_RETAIL_ID_E4"
  ) AS "NB"
  GROUP BY
    "U"
) AS "M"
  ON "M"."U" = "N"."U"
WHERE
  "N"."U" < "N"."V";

CREATE TEMPORARY TABLE "SEGL_RETAIL_ID_E6" AS
SELECT DISTINCT
  "A",
  "B"
FROM (
  SELECT
    "E"."B" AS "A",
    "M"."MV" AS "B"
  FROM "SEGL_RETAIL_ID_E5" AS "E"
  INNER JOIN (
    SELECT
      "A" AS "U",
      MIN("B") AS "MV"
    FROM "SEGL_RETAIL_ID_E5"
    GROUP BY
      "A"
  ) AS "M"
    ON "M"."U" = "E"."A"
  WHERE
    "E"."B" <> "M"."MV"
  UNION ALL
  SELECT
    "U" AS "A",
    "MV" AS "B"
  FROM (
    SELECT
      "A" AS "U",
      MIN("B") AS "MV"
    FROM "SEGL_RETAIL_ID_E5"
    GROUP BY
      "A"
  ) AS "C"
) AS "S";

DROP TABLE IF EXISTS "SEGL_RETAIL_ID_E5";

DROP TABLE IF EXISTS "SEGL_RETAIL_ID_E4";

CREATE TEMPORARY TABLE "SEGL_RETAIL_ID_E7" AS
SELECT DISTINCT
  "N"."V" AS "A",
  CASE WHEN "M"."U" < "M"."MV" THEN "M"."U" ELSE "M"."MV" END AS "B"
FROM (
  SELECT
    "A" AS "U",
    "B" AS "V"
  FROM "SEGL_RETAIL_ID_E6"
  UNION ALL
  SELECT
    "B" AS "U",
    "A" AS "V"
  FROM "SEGL_RETAIL_ID_E6"
) AS "N"
INNER JOIN (
  SELECT
    "U",
    MIN("V") AS "MV"
  FROM (
    SELECT
      "A" AS "U",
      "B" AS "V"
    FROM "SEGL_RETAIL_ID_E6"
    UNION ALL
    SELECT
      "B" AS "U",
      "A" AS "V"
    FROM "SEGL_RETAIL_ID_E6"
  ) AS "NB"
  GROUP BY
    "U"
) AS "M"
  ON "M"."U" = "N"."U"
WHERE
  "N"."U" < "N"."V";

CREATE TEMPORARY TABLE "SEGL_RETAIL_ID_E8" AS
SELECT DISTINCT
  "A",
  "B"
FROM (
  SELECT
    "E"."B" AS "A",
    "M"."MV" AS "B"
  FROM "SEGL_RETAIL_ID_E7" AS "E"
  INNER JOIN (
    SELECT
      "A" AS "U",
      MIN("B") AS "MV"
    FROM "SEGL_RETAIL_ID_E7"
    GROUP BY
      "A"
  ) AS "M"
    ON "M"."U" = "E"."A"
  WHERE
    "E"."B" <> "M"."MV"
  UNION ALL
  SELECT
    "U" AS "A",
    "MV" AS "B"
  FROM (
    SELECT
      "A" AS "U",
      MIN("B") AS "MV"
    FROM "SEGL_RETAIL_ID_E7"
    GROUP BY
      "A"
  ) AS "C"
) AS "S";

DROP TABLE IF EXISTS "SEGL_RETAIL_ID_E7";

DROP TABLE IF EXISTS "SEGL_RETAIL_ID_E6";

CREATE TEMPORARY TABLE "SEGL_RETAIL_ID_E9" AS
SELECT DISTINCT
  "N"."V" AS "A",
  CASE WHEN "M"."U" < "M"."MV" THEN "M"."U" ELSE "M"."MV" END AS "B"
FROM (
  SELECT
    "A" AS "U",
    "B" AS "V"
  FROM "SEGL_RETAIL_ID_E8"
  UNION ALL
  SELECT
    "B" AS "U",
    "A" AS "V"
  FROM "SEGL_RETAIL_ID_E8"
) AS "N"
INNER JOIN (
  SELECT
    "U",
    MIN("V") AS "MV"
  FROM (
    SELECT
      "A" AS "U",
      "B" AS "V"
    FROM "SEGL_RETAIL_ID_E8"
    UNION ALL
    SELECT
      "B" AS "U",
      "A" AS "V"
    FROM "SEGL_RETAIL_ID_E8"
  ) AS "NB"
  GROUP BY
    "U"
) AS "M"
  ON "M"."U" = "N"."U"
WHERE
  "N"."U" < "N"."V";

CREATE TEMPORARY TABLE "SEGL_RETAIL_ID_E10" AS
SELECT DISTINCT
  "A",
  "B"
FROM (
  SELECT
    "E"."B" AS "A",
    "M"."MV" AS "B"
  FROM "SEGL_RETAIL_ID_E9" AS "E"
  INNER JOIN (
    SELECT
      "A" AS "U",
      MIN("B") AS "MV"
    FROM "SEGL_RETAIL_ID_E9"
    GROUP BY
      "A"
  ) AS "M"
    ON "M"."U" = "E"."A"
  WHERE
    "E"."B" <> "M"."MV"
  UNION ALL
  SELECT
    "U" AS "A",
    "MV" AS "B"
  FROM (
    SELECT
      "A" AS "U",
      MIN("B") AS "MV"
    FROM "SEGL_RETAIL_ID_E9"
    GROUP BY
      "A"
  ) AS "C"
) AS "S";

DROP TABLE IF EXISTS "SEGL_RETAIL_ID_E9";

DROP TABLE IF EXISTS "SEGL_RETAIL_ID_E8";

CREATE TEMPORARY TABLE "SEGL_RETAIL_ID_E11" AS
SELECT DISTINCT
  "N"."V" AS "A",
  CASE WHEN "M"."U" < "M"."MV" THEN "M"."U" ELSE "M"."MV" END AS "B"
FROM (
  SELECT
    "A" AS "U",
    "B" AS "V"
  FROM "SEGL_RETAIL_ID_E10"
  UNION ALL
  SELECT
    "B" AS "U",
    "A" AS "V"
  FROM "SEGL_RETAIL_ID_E10"
) AS "N"
INNER JOIN (
  SELECT
    "U",
    MIN("V") AS "MV"
  FROM (
    SELECT
      "A" AS "U",
      "B" AS "V"
    FROM "SEGL_RETAIL_ID_E10"
    UNION ALL
    SELECT
      "B" AS "U",
      "A" AS "V"
    FROM "SEGL_RETAIL_ID_E10"
  ) AS "NB"
  GROUP BY
    "U"
) AS "M"
  ON "M"."U" = "N"."U"
WHERE
  "N"."U" < "N"."V";

CREATE TEMPORARY TABLE "SEGL_RETAIL_ID_E12" AS
SELECT DISTINCT
  "A",
  "B"
FROM (
  SELECT
    "E"."B" AS "A",
    "M"."MV" AS "B"
  FROM "SEGL_RETAIL_ID_E11" AS "E"
  INNER JOIN (
    SELECT
      "A" AS "U",
      MIN("B") AS "MV"
    FROM "SEGL_RETAIL_ID_E11"
    GROUP BY
      "A"
  ) AS "M"
    ON "M"."U" = "E"."A"
  WHERE
    "E"."B" <> "M"."MV"
  UNION ALL
  SELECT
    "U" AS "A",
    "MV" AS "B"
  FROM (
    SELECT
      "A" AS "U",
      MIN("B") AS "MV"
    FROM "SEGL_RETAIL_ID_E11"
    GROUP BY
      "A"
  ) AS "C"
) AS "S";

DROP TABLE IF EXISTS "SEGL_RETAIL_ID_E11";

DROP TABLE IF EXISTS "SEGL_RETAIL_ID_E10";

CREATE TEMPORARY TABLE "SEGL_RETAIL_ID_E13" AS
SELECT DISTINCT
  "N"."V" AS "A",
  CASE WHEN "M"."U" < "M"."MV" THEN "M"."U" ELSE "M"."MV" END AS "B"
FROM (
  SELECT
    "A" AS "U",
    "B" AS "V"
  FROM "SEGL_RETAIL_ID_E12"
  UNION ALL
  SELECT
    "B" AS "U",
    "A" AS "V"
  FROM "SEGL_RETAIL_ID_E12"
) AS "N"
INNER JOIN (
  SELECT
    "U",
    MIN("V") AS "MV"
  FROM (
    SELECT
      "A" AS "U",
      "B" AS "V"
    FROM "SEGL_RETAIL_ID_E12"
    UNION ALL
    SELECT
      "B" AS "U",
      "A" AS "V"
    FROM "SEGL_RETAIL_ID_E12"
  ) AS "NB"
  GROUP BY
    "U"
) AS "M"
  ON "M"."U" = "N"."U"
WHERE
  "N"."U" < "N"."V";

CREATE TEMPORARY TABLE "SEGL_RETAIL_ID_E14" AS
SELECT DISTINCT
  "A",
  "B"
FROM (
  SELECT
    "E"."B" AS "A",
    "M"."MV" AS "B"
  FROM "SEGL_RETAIL_ID_E13" AS "E"
  INNER JOIN (
    SELECT
      "A" AS "U",
      MIN("B") AS "MV"
    FROM "SEGL_RETAIL_ID_E13"
    GROUP BY
      "A"
  ) AS "M"
    ON "M"."U" = "E"."A"
  WHERE
    "E"."B" <> "M"."MV"
  UNION ALL
  SELECT
    "U" AS "A",
    "MV" AS "B"
  FROM (
    SELECT
      "A" AS "U",
      MIN("B") AS "MV"
    FROM "SEGL_RETAIL_ID_E13"
    GROUP BY
      "A"
  ) AS "C"
) AS "S";

DROP TABLE IF EXISTS "SEGL_RETAIL_ID_E13";

DROP TABLE IF EXISTS "SEGL_RETAIL_ID_E12";

CREATE TEMPORARY TABLE "SEGL_RETAIL_ID_E15" AS
SELECT DISTINCT
  "N"."V" AS "A",
  CASE WHEN "M"."U" < "M"."MV" THEN "M"."U" ELSE "M"."MV" END AS "B"
FROM (
  SELECT
    "A" AS "U",
    "B" AS "V"
  FROM "SEGL_RETAIL_ID_E14"
  UNION ALL
  SELECT
    "B" AS "U",
    "A" AS "V"
  FROM "SEGL_RETAIL_ID_E14"
) AS "N"
INNER JOIN (
  SELECT
    "U",
    MIN("V") AS "MV"
  FROM (
    SELECT
      "A" AS "U",
      "B" AS "V"
    FROM "SEGL_RETAIL_ID_E14"
    UNION ALL
    SELECT
      "B" AS "U",
      "A" AS "V"
    FROM "SEGL_RETAIL_ID_E14"
  ) AS "NB"
  GROUP BY
    "U"
) AS "M"
  ON "M"."U" = "N"."U"
WHERE
  "N"."U" < "N"."V";

CREATE TEMPORARY TABLE "SEGL_RETAIL_ID_E16" AS
SELECT DISTINCT
  "A",
  "B"
FROM (
  SELECT
    "E"."B" AS "A",
    "M"."MV" AS "B"
  FROM "SEGL_RETAIL_ID_E15" AS "E"
  INNER JOIN (
    SELECT
      "A" AS "U",
      MIN("B") AS "MV"
    FROM "SEGL_RETAIL_ID_E15"
    GROUP BY
      "A"
  ) AS "M"
    ON "M"."U" = "E"."A"
  WHERE
    "E"."B" <> "M"."MV"
  UNION ALL
  SELECT
    "U" AS "A",
    "MV" AS "B"
  FROM (
    SELECT
      "A" AS "U",
      MIN("B") AS "MV"
    FROM "SEGL_RETAIL_ID_E15"
    GROUP BY
      "A"
  ) AS "C"
) AS "S";

DROP TABLE IF EXISTS "SEGL_RETAIL_ID_E15";

DROP TABLE IF EXISTS "SEGL_RETAIL_ID_E14";

CREATE TEMPORARY TABLE "SEGL_RETAIL_ID_E17" AS
SELECT DISTINCT
  "N"."V" AS "A",
  CASE WHEN "M"."U" < "M"."MV" THEN "M"."U" ELSE "M"."MV" END AS "B"
FROM (
  SELECT
    "A" AS "U",
    "B" AS "V"
  FROM "SEGL_RETAIL_ID_E16"
  UNION ALL
  SELECT
    "B" AS "U",
    "A" AS "V"
  FROM "SEGL_RETAIL_ID_E16"
) AS "N"
INNER JOIN (
  SELECT
    "U",
    MIN("V") AS "MV"
  FROM (
    SELECT
      "A" AS "U",
      "B" AS "V"
    FROM "SEGL_RETAIL_ID_E16"
    UNION ALL
    SELECT
      "B" AS "U",
      "A" AS "V"
    FROM "SEGL_RETAIL_ID_E16"
  ) AS "NB"
  GROUP BY
    "U"
) AS "M"
  ON "M"."U" = "N"."U"
WHERE
  "N"."U" < "N"."V";

CREATE TEMPORARY TABLE "SEGL_RETAIL_ID_E18" AS
SELECT DISTINCT
  "A",
  "B"
FROM (
  SELECT
    "E"."B" AS "A",
    "M"."MV" AS "B"
  FROM "SEGL_RETAIL_ID_E17" AS "E"
  INNER JOIN (
    SELECT
      "A" AS "U",
      MIN("B") AS "MV"
    FROM "SEGL_RETAIL_ID_E17"
    GROUP BY
      "A"
  ) AS "M"
    ON "M"."U" = "E"."A"
  WHERE
    "E"."B" <> "M"."MV"
  UNION ALL
  SELECT
    "U" AS "A",
    "MV" AS "B"
  FROM (
    SELECT
      "A" AS "U",
      MIN("B") AS "MV"
    FROM "SEGL_RETAIL_ID_E17"
    GROUP BY
      "A"
  ) AS "C"
) AS "S";

DROP TABLE IF EXISTS "SEGL_RETAIL_ID_E17";

DROP TABLE IF EXISTS "SEGL_RETAIL_ID_E16";

CREATE TEMPORARY TABLE "SEGL_RETAIL_ID_E19" AS
SELECT DISTINCT
  "N"."V" AS "A",
  CASE WHEN "M"."U" < "M"."MV" THEN "M"."U" ELSE "M"."MV" END AS "B"
FROM (
  SELECT
    "A" AS "U",
    "B" AS "V"
  FROM "SEGL_RETAIL_ID_E18"
  UNION ALL
  SELECT
    "B" AS "U",
    "A" AS "V"
  FROM "SEGL_RETAIL_ID_E18"
) AS "N"
INNER JOIN (
  SELECT
    "U",
    MIN("V") AS "MV"
  FROM (
    SELECT
      "A" AS "U",
      "B" AS "V"
    FROM "SEGL_RETAIL_ID_E18"
    UNION ALL
    SELECT
      "B" AS "U",
      "A" AS "V"
    FROM "SEGL_RETAIL_ID_E18"
  ) AS "NB"
  GROUP BY
    "U"
) AS "M"
  ON "M"."U" = "N"."U"
WHERE
  "N"."U" < "N"."V";

CREATE TEMPORARY TABLE "SEGL_RETAIL_ID_E20" AS
SELECT DISTINCT
  "A",
  "B"
FROM (
  SELECT
    "E"."B" AS "A",
    "M"."MV" AS "B"
  FROM "SEGL_RETAIL_ID_E19" AS "E"
  INNER JOIN (
    SELECT
      "A" AS "U",
      MIN("B") AS "MV"
    FROM "SEGL_RETAIL_ID_E19"
    GROUP BY
      "A"
  ) AS "M"
    ON "M"."U" = "E"."A"
  WHERE
    "E"."B" <> "M"."MV"
  UNION ALL
  SELECT
    "U" AS "A",
    "MV" AS "B"
  FROM (
    SELECT
      "A" AS "U",
      MIN("B") AS "MV"
    FROM "SEGL_RETAIL_ID_E19"
    GROUP BY
      "A"
  ) AS "C"
) AS "S";

DROP TABLE IF EXISTS "SEGL_RETAIL_ID_E19";

DROP TABLE IF EXISTS "SEGL_RETAIL_ID_E18";

CREATE TEMPORARY TABLE "SEGL_RETAIL_ID_E21" AS
SELECT DISTINCT
  "N"."V" AS "A",
  CASE WHEN "M"."U" < "M"."MV" THEN "M"."U" ELSE "M"."MV" END AS "B"
FROM (
  SELECT
    "A" AS "U",
    "B" AS "V"
  FROM "SEGL_RETAIL_ID_E20"
  UNION ALL
  SELECT
    "B" AS "U",
    "A" AS "V"
  FROM "SEGL_RETAIL_ID_E20"
) AS "N"
INNER JOIN (
  SELECT
    "U",
    MIN("V") AS "MV"
  FROM (
    SELECT
      "A" AS "U",
      "B" AS "V"
    FROM "SEGL_RETAIL_ID_E20"
    UNION ALL
    SELECT
      "B" AS "U",
      "A" AS "V"
    FROM "SEGL_RETAIL_ID_E20"
  ) AS "NB"
  GROUP BY
    "U"
) AS "M"
  ON "M"."U" = "N"."U"
WHERE
  "N"."U" < "N"."V";

CREATE TEMPORARY TABLE "SEGL_RETAIL_ID_E22" AS
SELECT DISTINCT
  "A",
  "B"
FROM (
  SELECT
    "E"."B" AS "A",
    "M"."MV" AS "B"
  FROM "SEGL_RETAIL_ID_E21" AS "E"
  INNER JOIN (
    SELECT
      "A" AS "U",
      MIN("B") AS "MV"
    FROM "SEGL_RETAIL_ID_E21"
    GROUP BY
      "A"
  ) AS "M"
    ON "M"."U" = "E"."A"
  WHERE
    "E"."B" <> "M"."MV"
  UNION ALL
  SELECT
    "U" AS "A",
    "MV" AS "B"
  FROM (
    SELECT
      "A" AS "U",
      MIN("B") AS "MV"
    FROM "SEGL_RETAIL_ID_E21"
    GROUP BY
      "A"
  ) AS "C"
) AS "S";

DROP TABLE IF EXISTS "SEGL_RETAIL_ID_E21";

DROP TABLE IF EXISTS "SEGL_RETAIL_ID_E20";

CREATE TEMPORARY TABLE "SEGL_RETAIL_ID_E23" AS
SELECT DISTINCT
  "N"."V" AS "A",
  CASE WHEN "M"."U" < "M"."MV" THEN "M"."U" ELSE "M"."MV" END AS "B"
FROM (
  SELECT
    "A" AS "U",
    "B" AS "V"
  FROM "SEGL_RETAIL_ID_E22"
  UNION ALL
  SELECT
    "B" AS "U",
    "A" AS "V"
  FROM "SEGL_RETAIL_ID_E22"
) AS "N"
INNER JOIN (
  SELECT
    "U",
    MIN("V") AS "MV"
  FROM (
    SELECT
      "A" AS "U",
      "B" AS "V"
    FROM "SEGL_RETAIL_ID_E22"
    UNION ALL
    SELECT
      "B" AS "U",
      "A" AS "V"
    FROM "SEGL_RETAIL_ID_E22"
  ) AS "NB"
  GROUP BY
    "U"
) AS "M"
  ON "M"."U" = "N"."U"
WHERE
  "N"."U" < "N"."V";

CREATE TEMPORARY TABLE "SEGL_RETAIL_ID_E24" AS
SELECT DISTINCT
  "A",
  "B"
FROM (
  SELECT
    "E"."B" AS "A",
    "M"."MV" AS "B"
  FROM "SEGL_RETAIL_ID_E23" AS "E"
  INNER JOIN (
    SELECT
      "A" AS "U",
      MIN("B") AS "MV"
    FROM "SEGL_RETAIL_ID_E23"
    GROUP BY
      "A"
  ) AS "M"
    ON "M"."U" = "E"."A"
  WHERE
    "E"."B" <> "M"."MV"
  UNION ALL
  SELECT
    "U" AS "A",
    "MV" AS "B"
  FROM (
    SELECT
      "A" AS "U",
      MIN("B") AS "MV"
    FROM "SEGL_RETAIL_ID_E23"
    GROUP BY
      "A"
  ) AS "C"
) AS "S";

DROP TABLE IF EXISTS "SEGL_RETAIL_ID_E23";

DROP TABLE IF EXISTS "SEGL_RETAIL_ID_E22";

CREATE TEMPORARY TABLE "SEGL_RETAIL_ID_E25" AS
SELECT DISTINCT
  "N"."V" AS "A",
  CASE WHEN "M"."U" < "M"."MV" THEN "M"."U" ELSE "M"."MV" END AS "B"
FROM (
  SELECT
    "A" AS "U",
    "B" AS "V"
  FROM "SEGL_RETAIL_ID_E24"
  UNION ALL
  SELECT
    "B" AS "U",
    "A" AS "V"
  FROM "SEGL_RETAIL_ID_E24"
) AS "N"
INNER JOIN (
  SELECT
    "U",
    MIN("V") AS "MV"
  FROM (
    SELECT
      "A" AS "U",
      "B" AS "V"
    FROM "SEGL_RETAIL_ID_E24"
    UNION ALL
    SELECT
      "B" AS "U",
      "A" AS "V"
    FROM "SEGL_RETAIL_ID_E24"
  ) AS "NB"
  GROUP BY
    "U"
) AS "M"
  ON "M"."U" = "N"."U"
WHERE
  "N"."U" < "N"."V";

CREATE TEMPORARY TABLE "SEGL_RETAIL_ID_E26" AS
SELECT DISTINCT
  "A",
  "B"
FROM (
  SELECT
    "E"."B" AS "A",
    "M"."MV" AS "B"
  FROM "SEGL_RETAIL_ID_E25" AS "E"
  INNER JOIN (
    SELECT
      "A" AS "U",
      MIN("B") AS "MV"
    FROM "SEGL_RETAIL_ID_E25"
    GROUP BY
      "A"
  ) AS "M"
    ON "M"."U" = "E"."A"
  WHERE
    "E"."B" <> "M"."MV"
  UNION ALL
  SELECT
    "U" AS "A",
    "MV" AS "B"
  FROM (
    SELECT
      "A" AS "U",
      MIN("B") AS "MV"
    FROM "SEGL_RETAIL_ID_E25"
    GROUP BY
      "A"
  ) AS "C"
) AS "S";

DROP TABLE IF EXISTS "SEGL_RETAIL_ID_E25";

DROP TABLE IF EXISTS "SEGL_RETAIL_ID_E24";

CREATE TEMPORARY TABLE "SEGL_RETAIL_ID_E27" AS
SELECT DISTINCT
  "N"."V" AS "A",
  CASE WHEN "M"."U" < "M"."MV" THEN "M"."U" ELSE "M"."MV" END AS "B"
FROM (
  SELECT
    "A" AS "U",
    "B" AS "V"
  FROM "SEGL_RETAIL_ID_E26"
  UNION ALL
  SELECT
    "B" AS "U",
    "A" AS "V"
  FROM "SEGL_RETAIL_ID_E26"
) AS "N"
INNER JOIN (
  SELECT
    "U",
    MIN("V") AS "MV"
  FROM (
    SELECT
      "A" AS "U",
      "B" AS "V"
    FROM "SEGL_RETAIL_ID_E26"
    UNION ALL
    SELECT
      "B" AS "U",
      "A" AS "V"
    FROM "SEGL_RETAIL_ID_E26"
  ) AS "NB"
  GROUP BY
    "U"
) AS "M"
  ON "M"."U" = "N"."U"
WHERE
  "N"."U" < "N"."V";

CREATE TEMPORARY TABLE "SEGL_RETAIL_ID_E28" AS
SELECT DISTINCT
  "A",
  "B"
FROM (
  SELECT
    "E"."B" AS "A",
    "M"."MV" AS "B"
  FROM "SEGL_RETAIL_ID_E27" AS "E"
  INNER JOIN (
    SELECT
      "A" AS "U",
      MIN("B") AS "MV"
    FROM "SEGL_RETAIL_ID_E27"
    GROUP BY
      "A"
  ) AS "M"
    ON "M"."U" = "E"."A"
  WHERE
    "E"."B" <> "M"."MV"
  UNION ALL
  SELECT
    "U" AS "A",
    "MV" AS "B"
  FROM (
    SELECT
      "A" AS "U",
      MIN("B") AS "MV"
    FROM "SEGL_RETAIL_ID_E27"
    GROUP BY
      "A"
  ) AS "C"
) AS "S";

DROP TABLE IF EXISTS "SEGL_RETAIL_ID_E27";

DROP TABLE IF EXISTS "SEGL_RETAIL_ID_E26";

CREATE TEMPORARY TABLE "SEGL_RETAIL_ID_E29" AS
SELECT DISTINCT
  "N"."V" AS "A",
  CASE WHEN "M"."U" < "M"."MV" THEN "M"."U" ELSE "M"."MV" END AS "B"
FROM (
  SELECT
    "A" AS "U",
    "B" AS "V"
  FROM "SEGL_RETAIL_ID_E28"
  UNION ALL
  SELECT
    "B" AS "U",
    "A" AS "V"
  FROM "SEGL_RETAIL_ID_E28"
) AS "N"
INNER JOIN (
  SELECT
    "U",
    MIN("V") AS "MV"
  FROM (
    SELECT
      "A" AS "U",
      "B" AS "V"
    FROM "SEGL_RETAIL_ID_E28"
    UNION ALL
    SELECT
      "B" AS "U",
      "A" AS "V"
    FROM "SEGL_RETAIL_ID_E28"
  ) AS "NB"
  GROUP BY
    "U"
) AS "M"
  ON "M"."U" = "N"."U"
WHERE
  "N"."U" < "N"."V";

CREATE TEMPORARY TABLE "SEGL_RETAIL_ID_E30" AS
SELECT DISTINCT
  "A",
  "B"
FROM (
  SELECT
    "E"."B" AS "A",
    "M"."MV" AS "B"
  FROM "SEGL_RETAIL_ID_E29" AS "E"
  INNER JOIN (
    SELECT
      "A" AS "U",
      MIN("B") AS "MV"
    FROM "SEGL_RETAIL_ID_E29"
    GROUP BY
      "A"
  ) AS "M"
    ON "M"."U" = "E"."A"
  WHERE
    "E"."B" <> "M"."MV"
  UNION ALL
  SELECT
    "U" AS "A",
    "MV" AS "B"
  FROM (
    SELECT
      "A" AS "U",
      MIN("B") AS "MV"
    FROM "SEGL_RETAIL_ID_E29"
    GROUP BY
      "A"
  ) AS "C"
) AS "S";

DROP TABLE IF EXISTS "SEGL_RETAIL_ID_E29";

DROP TABLE IF EXISTS "SEGL_RETAIL_ID_E28";

CREATE TEMPORARY TABLE "SEGL_RETAIL_ID_E31" AS
SELECT DISTINCT
  "N"."V" AS "A",
  CASE WHEN "M"."U" < "M"."MV" THEN "M"."U" ELSE "M"."MV" END AS "B"
FROM (
  SELECT
    "A" AS "U",
    "B" AS "V"
  FROM "SEGL_RETAIL_ID_E30"
  UNION ALL
  SELECT
    "B" AS "U",
    "A" AS "V"
  FROM "SEGL_RETAIL_ID_E30"
) AS "N"
INNER JOIN (
  SELECT
    "U",
    MIN("V") AS "MV"
  FROM (
    SELECT
      "A" AS "U",
      "B" AS "V"
    FROM "SEGL_RETAIL_ID_E30"
    UNION ALL
    SELECT
      "B" AS "U",
      "A" AS "V"
    FROM "SEGL_RETAIL_ID_E30"
  ) AS "NB"
  GROUP BY
    "U"
) AS "M"
  ON "M"."U" = "N"."U"
WHERE
  "N"."U" < "N"."V";

CREATE TEMPORARY TABLE "SEGL_RETAIL_ID_E32" AS
SELECT DISTINCT
  "A",
  "B"
FROM (
  SELECT
    "E"."B" AS "A",
    "M"."MV" AS "B"
  FROM "SEGL_RETAIL_ID_E31" AS "E"
  INNER JOIN (
    SELECT
      "A" AS "U",
      MIN("B") AS "MV"
    FROM "SEGL_RETAIL_ID_E31"
    GROUP BY
      "A"
  ) AS "M"
    ON "M"."U" = "E"."A"
  WHERE
    "E"."B" <> "M"."MV"
  UNION ALL
  SELECT
    "U" AS "A",
    "MV" AS "B"
  FROM (
    SELECT
      "A" AS "U",
      MIN("B") AS "MV"
    FROM "SEGL_RETAIL_ID_E31"
    GROUP BY
      "A"
  ) AS "C"
) AS "S";

DROP TABLE IF EXISTS "SEGL_RETAIL_ID_E31";

DROP TABLE IF EXISTS "SEGL_RETAIL_ID_E30";

CREATE TEMPORARY TABLE "SEGL_RETAIL_ID_E33" AS
SELECT DISTINCT
  "N"."V" AS "A",
  CASE WHEN "M"."U" < "M"."MV" THEN "M"."U" ELSE "M"."MV" END AS "B"
FROM (
  SELECT
    "A" AS "U",
    "B" AS "V"
  FROM "SEGL_RETAIL_ID_E32"
  UNION ALL
  SELECT
    "B" AS "U",
    "A" AS "V"
  FROM "SEGL_RETAIL_ID_E32"
) AS "N"
INNER JOIN (
  SELECT
    "U",
    MIN("V") AS "MV"
  FROM (
    SELECT
      "A" AS "U",
      "B" AS "V"
    FROM "SEGL_RETAIL_ID_E32"
    UNION ALL
    SELECT
      "B" AS "U",
      "A" AS "V"
    FROM "SEGL_RETAIL_ID_E32"
  ) AS "NB"
  GROUP BY
    "U"
) AS "M"
  ON "M"."U" = "N"."U"
WHERE
  "N"."U" < "N"."V";

CREATE TEMPORARY TABLE "SEGL_RETAIL_ID_E34" AS
SELECT DISTINCT
  "A",
  "B"
FROM (
  SELECT
    "E"."B" AS "A",
    "M"."MV" AS "B"
  FROM "SEGL_RETAIL_ID_E33" AS "E"
  INNER JOIN (
    SELECT
      "A" AS "U",
      MIN("B") AS "MV"
    FROM "SEGL_RETAIL_ID_E33"
    GROUP BY
      "A"
  ) AS "M"
    ON "M"."U" = "E"."A"
  WHERE
    "E"."B" <> "M"."MV"
  UNION ALL
  SELECT
    "U" AS "A",
    "MV" AS "B"
  FROM (
    SELECT
      "A" AS "U",
      MIN("B") AS "MV"
    FROM "SEGL_RETAIL_ID_E33"
    GROUP BY
      "A"
  ) AS "C"
) AS "S";

DROP TABLE IF EXISTS "SEGL_RETAIL_ID_E33";

DROP TABLE IF EXISTS "SEGL_RETAIL_ID_E32";

CREATE TEMPORARY TABLE "SEGL_RETAIL_ID_E35" AS
SELECT DISTINCT
  "N"."V" AS "A",
  CASE WHEN "M"."U" < "M"."MV" THEN "M"."U" ELSE "M"."MV" END AS "B"
FROM (
  SELECT
    "A" AS "U",
    "B" AS "V"
  FROM "SEGL_RETAIL_ID_E34"
  UNION ALL
  SELECT
    "B" AS "U",
    "A" AS "V"
  FROM "SEGL_RETAIL_ID_E34"
) AS "N"
INNER JOIN (
  SELECT
    "U",
    MIN("V") AS "MV"
  FROM (
    SELECT
      "A" AS "U",
      "B" AS "V"
    FROM "SEGL_RETAIL_ID_E34"
    UNION ALL
    SELECT
      "B" AS "U",
      "A" AS "V"
    FROM "SEGL_RETAIL_ID_E34"
  ) AS "NB"
  GROUP BY
    "U"
) AS "M"
  ON "M"."U" = "N"."U"
WHERE
  "N"."U" < "N"."V";

CREATE TEMPORARY TABLE "SEGL_RETAIL_ID_E36" AS
SELECT DISTINCT
  "A",
  "B"
FROM (
  SELECT
    "E"."B" AS "A",
    "M"."MV" AS "B"
  FROM "SEGL_RETAIL_ID_E35" AS "E"
  INNER JOIN (
    SELECT
      "A" AS "U",
      MIN("B") AS "MV"
    FROM "SEGL_RETAIL_ID_E35"
    GROUP BY
      "A"
  ) AS "M"
    ON "M"."U" = "E"."A"
  WHERE
    "E"."B" <> "M"."MV"
  UNION ALL
  SELECT
    "U" AS "A",
    "MV" AS "B"
  FROM (
    SELECT
      "A" AS "U",
      MIN("B") AS "MV"
    FROM "SEGL_RETAIL_ID_E35"
    GROUP BY
      "A"
  ) AS "C"
) AS "S";

DROP TABLE IF EXISTS "SEGL_RETAIL_ID_E35";

DROP TABLE IF EXISTS "SEGL_RETAIL_ID_E34";

CREATE TEMPORARY TABLE "SEGL_RETAIL_ID_E37" AS
SELECT DISTINCT
  "N"."V" AS "A",
  CASE WHEN "M"."U" < "M"."MV" THEN "M"."U" ELSE "M"."MV" END AS "B"
FROM (
  SELECT
    "A" AS "U",
    "B" AS "V"
  FROM "SEGL_RETAIL_ID_E36"
  UNION ALL
  SELECT
    "B" AS "U",
    "A" AS "V"
  FROM "SEGL_RETAIL_ID_E36"
) AS "N"
INNER JOIN (
  SELECT
    "U",
    MIN("V") AS "MV"
  FROM (
    SELECT
      "A" AS "U",
      "B" AS "V"
    FROM "SEGL_RETAIL_ID_E36"
    UNION ALL
    SELECT
      "B" AS "U",
      "A" AS "V"
    FROM "SEGL_RETAIL_ID_E36"
  ) AS "NB"
  GROUP BY
    "U"
) AS "M"
  ON "M"."U" = "N"."U"
WHERE
  "N"."U" < "N"."V";

CREATE TEMPORARY TABLE "SEGL_RETAIL_ID_E38" AS
SELECT DISTINCT
  "A",
  "B"
FROM (
  SELECT
    "E"."B" AS "A",
    "M"."MV" AS "B"
  FROM "SEGL_RETAIL_ID_E37" AS "E"
  INNER JOIN (
    SELECT
      "A" AS "U",
      MIN("B") AS "MV"
    FROM "SEGL_RETAIL_ID_E37"
    GROUP BY
      "A"
  ) AS "M"
    ON "M"."U" = "E"."A"
  WHERE
    "E"."B" <> "M"."MV"
  UNION ALL
  SELECT
    "U" AS "A",
    "MV" AS "B"
  FROM (
    SELECT
      "A" AS "U",
      MIN("B") AS "MV"
    FROM "SEGL_RETAIL_ID_E37"
    GROUP BY
      "A"
  ) AS "C"
) AS "S";

DROP TABLE IF EXISTS "SEGL_RETAIL_ID_E37";

DROP TABLE IF EXISTS "SEGL_RETAIL_ID_E36";

CREATE TEMPORARY TABLE "SEGL_RETAIL_ID_E39" AS
SELECT DISTINCT
  "N"."V" AS "A",
  CASE WHEN "M"."U" < "M"."MV" THEN "M"."U" ELSE "M"."MV" END AS "B"
FROM (
  SELECT
    "A" AS "U",
    "B" AS "V"
  FROM "SEGL_RETAIL_ID_E38"
  UNION ALL
  SELECT
    "B" AS "U",
    "A" AS "V"
  FROM "SEGL_RETAIL_ID_E38"
) AS "N"
INNER JOIN (
  SELECT
    "U",
    MIN("V") AS "MV"
  FROM (
    SELECT
      "A" AS "U",
      "B" AS "V"
    FROM "SEGL_RETAIL_ID_E38"
    UNION ALL
    SELECT
      "B" AS "U",
      "A" AS "V"
    FROM "SEGL_RETAIL_ID_E38"
  ) AS "NB"
  GROUP BY
    "U"
) AS "M"
  ON "M"."U" = "N"."U"
WHERE
  "N"."U" < "N"."V";

CREATE TEMPORARY TABLE "SEGL_RETAIL_ID_E40" AS
SELECT DISTINCT
  "A",
  "B"
FROM (
  SELECT
    "E"."B" AS "A",
    "M"."MV" AS "B"
  FROM "SEGL_RETAIL_ID_E39" AS "E"
  INNER JOIN (
    SELECT
      "A" AS "U",
      MIN("B") AS "MV"
    FROM "SEGL_RETAIL_ID_E39"
    GROUP BY
      "A"
  ) AS "M"
    ON "M"."U" = "E"."A"
  WHERE
    "E"."B" <> "M"."MV"
  UNION ALL
  SELECT
    "U" AS "A",
    "MV" AS "B"
  FROM (
    SELECT
      "A" AS "U",
      MIN("B") AS "MV"
    FROM "SEGL_RETAIL_ID_E39"
    GROUP BY
      "A"
  ) AS "C"
) AS "S";

DROP TABLE IF EXISTS "SEGL_RETAIL_ID_E39";

DROP TABLE IF EXISTS "SEGL_RETAIL_ID_E38";

CREATE TEMPORARY TABLE "SEGL_RETAIL_ID_E41" AS
SELECT DISTINCT
  "N"."V" AS "A",
  CASE WHEN "M"."U" < "M"."MV" THEN "M"."U" ELSE "M"."MV" END AS "B"
FROM (
  SELECT
    "A" AS "U",
    "B" AS "V"
  FROM "SEGL_RETAIL_ID_E40"
  UNION ALL
  SELECT
    "B" AS "U",
    "A" AS "V"
  FROM "SEGL_RETAIL_ID_E40"
) AS "N"
INNER JOIN (
  SELECT
    "U",
    MIN("V") AS "MV"
  FROM (
    SELECT
      "A" AS "U",
      "B" AS "V"
    FROM "SEGL_RETAIL_ID_E40"
    UNION ALL
    SELECT
      "B" AS "U",
      "A" AS "V"
    FROM "SEGL_RETAIL_ID_E40"
  ) AS "NB"
  GROUP BY
    "U"
) AS "M"
  ON "M"."U" = "N"."U"
WHERE
  "N"."U" < "N"."V";

CREATE TEMPORARY TABLE "SEGL_RETAIL_ID_E42" AS
SELECT DISTINCT
  "A",
  "B"
FROM (
  SELECT
    "E"."B" AS "A",
    "M"."MV" AS "B"
  FROM "SEGL_RETAIL_ID_E41" AS "E"
  INNER JOIN (
    SELECT
      "A" AS "U",
      MIN("B") AS "MV"
    FROM "SEGL_RETAIL_ID_E41"
    GROUP BY
      "A"
  ) AS "M"
    ON "M"."U" = "E"."A"
  WHERE
    "E"."B" <> "M"."MV"
  UNION ALL
  SELECT
    "U" AS "A",
    "MV" AS "B"
  FROM (
    SELECT
      "A" AS "U",
      MIN("B") AS "MV"
    FROM "SEGL_RETAIL_ID_E41"
    GROUP BY
      "A"
  ) AS "C"
) AS "S";

DROP TABLE IF EXISTS "SEGL_RETAIL_ID_E41";

DROP TABLE IF EXISTS "SEGL_RETAIL_ID_E40";

CREATE TEMPORARY TABLE "SEGL_RETAIL_ID_E43" AS
SELECT DISTINCT
  "N"."V" AS "A",
  CASE WHEN "M"."U" < "M"."MV" THEN "M"."U" ELSE "M"."MV" END AS "B"
FROM (
  SELECT
    "A" AS "U",
    "B" AS "V"
  FROM "SEGL_RETAIL_ID_E42"
  UNION ALL
  SELECT
    "B" AS "U",
    "A" AS "V"
  FROM "SEGL_RETAIL_ID_E42"
) AS "N"
INNER JOIN (
  SELECT
    "U",
    MIN("V") AS "MV"
  FROM (
    SELECT
      "A" AS "U",
      "B" AS "V"
    FROM "SEGL_RETAIL_ID_E42"
    UNION ALL
    SELECT
      "B" AS "U",
      "A" AS "V"
    FROM "SEGL_RETAIL_ID_E42"
  ) AS "NB"
  GROUP BY
    "U"
) AS "M"
  ON "M"."U" = "N"."U"
WHERE
  "N"."U" < "N"."V";

CREATE TEMPORARY TABLE "SEGL_RETAIL_ID_E44" AS
SELECT DISTINCT
  "A",
  "B"
FROM (
  SELECT
    "E"."B" AS "A",
    "M"."MV" AS "B"
  FROM "SEGL_RETAIL_ID_E43" AS "E"
  INNER JOIN (
    SELECT
      "A" AS "U",
      MIN("B") AS "MV"
    FROM "SEGL_RETAIL_ID_E43"
    GROUP BY
      "A"
  ) AS "M"
    ON "M"."U" = "E"."A"
  WHERE
    "E"."B" <> "M"."MV"
  UNION ALL
  SELECT
    "U" AS "A",
    "MV" AS "B"
  FROM (
    SELECT
      "A" AS "U",
      MIN("B") AS "MV"
    FROM "SEGL_RETAIL_ID_E43"
    GROUP BY
      "A"
  ) AS "C"
) AS "S";

DROP TABLE IF EXISTS "SEGL_RETAIL_ID_E43";

DROP TABLE IF EXISTS "SEGL_RETAIL_ID_E42";

CREATE TEMPORARY TABLE "SEGL_RETAIL_ID_E45" AS
SELECT DISTINCT
  "N"."V" AS "A",
  CASE WHEN "M"."U" < "M"."MV" THEN "M"."U" ELSE "M"."MV" END AS "B"
FROM (
  SELECT
    "A" AS "U",
    "B" AS "V"
  FROM "SEGL_RETAIL_ID_E44"
  UNION ALL
  SELECT
    "B" AS "U",
    "A" AS "V"
  FROM "SEGL_RETAIL_ID_E44"
) AS "N"
INNER JOIN (
  SELECT
    "U",
    MIN("V") AS "MV"
  FROM (
    SELECT
      "A" AS "U",
      "B" AS "V"
    FROM "SEGL_RETAIL_ID_E44"
    UNION ALL
    SELECT
      "B" AS "U",
      "A" AS "V"
    FROM "SEGL_RETAIL_ID_E44"
  ) AS "NB"
  GROUP BY
    "U"
) AS "M"
  ON "M"."U" = "N"."U"
WHERE
  "N"."U" < "N"."V";

CREATE TEMPORARY TABLE "SEGL_RETAIL_ID_E46" AS
SELECT DISTINCT
  "A",
  "B"
FROM (
  SELECT
    "E"."B" AS "A",
    "M"."MV" AS "B"
  FROM "SEGL_RETAIL_ID_E45" AS "E"
  INNER JOIN (
    SELECT
      "A" AS "U",
      MIN("B") AS "MV"
    FROM "SEGL_RETAIL_ID_E45"
    GROUP BY
      "A"
  ) AS "M"
    ON "M"."U" = "E"."A"
  WHERE
    "E"."B" <> "M"."MV"
  UNION ALL
  SELECT
    "U" AS "A",
    "MV" AS "B"
  FROM (
    SELECT
      "A" AS "U",
      MIN("B") AS "MV"
    FROM "SEGL_RETAIL_ID_E45"
    GROUP BY
      "A"
  ) AS "C"
) AS "S";

DROP TABLE IF EXISTS "SEGL_RETAIL_ID_E45";

DROP TABLE IF EXISTS "SEGL_RETAIL_ID_E44";

CREATE TEMPORARY TABLE "SEGL_RETAIL_ID_E47" AS
SELECT DISTINCT
  "N"."V" AS "A",
  CASE WHEN "M"."U" < "M"."MV" THEN "M"."U" ELSE "M"."MV" END AS "B"
FROM (
  SELECT
    "A" AS "U",
    "B" AS "V"
  FROM "SEGL_RETAIL_ID_E46"
  UNION ALL
  SELECT
    "B" AS "U",
    "A" AS "V"
  FROM "SEGL_RETAIL_ID_E46"
) AS "N"
INNER JOIN (
  SELECT
    "U",
    MIN("V") AS "MV"
  FROM (
    SELECT
      "A" AS "U",
      "B" AS "V"
    FROM "SEGL_RETAIL_ID_E46"
    UNION ALL
    SELECT
      "B" AS "U",
      "A" AS "V"
    FROM "SEGL_RETAIL_ID_E46"
  ) AS "NB"
  GROUP BY
    "U"
) AS "M"
  ON "M"."U" = "N"."U"
WHERE
  "N"."U" < "N"."V";

CREATE TEMPORARY TABLE "SEGL_RETAIL_ID_E48" AS
SELECT DISTINCT
  "A",
  "B"
FROM (
  SELECT
    "E"."B" AS "A",
    "M"."MV" AS "B"
  FROM "SEGL_RETAIL_ID_E47" AS "E"
  INNER JOIN (
    SELECT
      "A" AS "U",
      MIN("B") AS "MV"
    FROM "SEGL_RETAIL_ID_E47"
    GROUP BY
      "A"
  ) AS "M"
    ON "M"."U" = "E"."A"
  WHERE
    "E"."B" <> "M"."MV"
  UNION ALL
  SELECT
    "U" AS "A",
    "MV" AS "B"
  FROM (
    SELECT
      "A" AS "U",
      MIN("B") AS "MV"
    FROM "SEGL_RETAIL_ID_E47"
    GROUP BY
      "A"
  ) AS "C"
) AS "S";

DROP TABLE IF EXISTS "SEGL_RETAIL_ID_E47";

DROP TABLE IF EXISTS "SEGL_RETAIL_ID_E46";

CREATE TEMPORARY TABLE "SEGL_RETAIL_ID_LABELS" AS
SELECT
  "I"."N" AS "N",
  "I"."KIND" AS "KIND",
  "I"."ID" AS "ID",
  "I"."PREF" AS "PREF",
  COALESCE("L"."C", "I"."N") AS "C"
FROM "SEGL_RETAIL_ID_IDS" AS "I"
LEFT JOIN (
  SELECT
    "A",
    MIN("B") AS "C"
  FROM "SEGL_RETAIL_ID_E48"
  GROUP BY
    "A"
) AS "L"
  ON "L"."A" = "I"."N";

CREATE TEMPORARY TABLE "SEGL_RETAIL_ID_MAP" AS
SELECT
  "L"."KIND" AS "KIND",
  "L"."ID" AS "ID",
  CASE
    WHEN "K"."KIND" = 'member'
    AND NOT (
      SUBSTRING("K"."ID", 1, LENGTH('member:')) = 'member:'
      OR SUBSTRING("K"."ID", 1, LENGTH('openid:')) = 'openid:'
      OR SUBSTRING("K"."ID", 1, LENGTH('device:')) = 'device:'
    )
    THEN "K"."ID"
    ELSE "K"."KIND" || ':' || "K"."ID"
  END AS "PERSON"
FROM "SEGL_RETAIL_ID_LABELS" AS "L"
INNER JOIN (
  SELECT
    "L"."C" AS "C",
    "L"."KIND" AS "KIND",
    MIN("L"."ID") AS "ID"
  FROM "SEGL_RETAIL_ID_LABELS" AS "L"
  INNER JOIN (
    SELECT
      "C",
      MIN("PREF") AS "PREF"
    FROM "SEGL_RETAIL_ID_LABELS"
    GROUP BY
      "C"
  ) AS "B"
    ON "B"."C" = "L"."C" AND "B"."PREF" = "L"."PREF"
  GROUP BY
    "L"."C",
    "L"."KIND"
) AS "K"
  ON "K"."C" = "L"."C";

DROP TABLE IF EXISTS "SEGL_RETAIL_ID_E48";

DROP TABLE IF EXISTS "SEGL_RETAIL_ID_LABELS";

CREATE TEMPORARY TABLE "SEGL_RETAIL_RESULT" AS
WITH "SEGL_USR" AS (
  SELECT
    "U"."_PU" AS "_U",
    CAST("U"."REGISTERED_AT" AS TIMESTAMP) AS "P_0",
    "U"."CITY" AS "P_1",
    CAST("U"."BIRTHDAY" AS DATE) AS "P_2",
    NULLIF(CAST("U"."BALANCE" AS DOUBLE), CAST('NaN' AS DOUBLE)) AS "P_3",
    "U"."GENDER" AS "P_4",
    "U"."TZ" AS "P_5",
    "P0"."LEVEL" AS "P_6"
  FROM (
    SELECT
      "S".*,
      "M"."PERSON" AS "_PU",
      ROW_NUMBER() OVER (PARTITION BY "M"."PERSON" ORDER BY "M"."ID") AS "_FIRST"
    FROM "USERS" AS "S"
    INNER JOIN "SEGL_RETAIL_ID_MAP" AS "M"
      ON "M"."KIND" = 'member'
      AND "M"."ID" = CAST(CASE
        WHEN CASE
          WHEN "S"."USER_ID" < CAST(1e+19 AS DOUBLE)
          AND "S"."USER_ID" > (
            -CAST(1e+19 AS DOUBLE)
          )
          THEN CASE
            WHEN CAST("S"."USER_ID" AS DECIMAL(38, 0)) >= (
              -9223372036854775808
            )
            AND CAST("S"."USER_ID" AS DECIMAL(38, 0)) < 9223372036854775808
            THEN "S"."USER_ID" = FLOOR("S"."USER_ID")
            ELSE FALSE
          END
          ELSE FALSE
        END
        THEN CAST("S"."USER_ID" AS BIGINT)
      END AS VARCHAR)
    WHERE
      NOT (
        NULLIF("S"."USER_ID", CAST('NaN' AS DOUBLE)) IS NULL
      )
      AND (
        CAST("S"."REGISTERED_AT" AS TIMESTAMP) IS NULL
        OR CAST("S"."REGISTERED_AT" AS TIMESTAMP) < CAST('2026-11-01 00:00:00' AS TIMESTAMP)
      )
  ) AS "U"
  LEFT JOIN (
    SELECT
      "S".*,
      "M"."PERSON" AS "_PU",
      ROW_NUMBER() OVER (PARTITION BY "M"."PERSON" ORDER BY "M"."ID") AS "_FIRST"
    FROM "MEMBERSHIP_HISTORY" AS "S"
    INNER JOIN "SEGL_RETAIL_ID_MAP" AS "M"
      ON "M"."KIND" = 'member'
      AND "M"."ID" = CAST(CASE
        WHEN CASE
          WHEN "S"."USER_ID" < CAST(1e+19 AS DOUBLE)
          AND "S"."USER_ID" > (
            -CAST(1e+19 AS DOUBLE)
          )
          THEN CASE
            WHEN CAST("S"."USER_ID" AS DECIMAL(38, 0)) >= (
              -9223372036854775808
            )
            AND CAST("S"."USER_ID" AS DECIMAL(38, 0)) < 9223372036854775808
            THEN "S"."USER_ID" = FLOOR("S"."USER_ID")
            ELSE FALSE
          END
          ELSE FALSE
        END
        THEN CAST("S"."USER_ID" AS BIGINT)
      END AS VARCHAR)
    WHERE
      NOT (
        NULLIF("S"."USER_ID", CAST('NaN' AS DOUBLE)) IS NULL
      )
      AND (
        CAST("S"."VALID_FROM" AS TIMESTAMP) IS NULL
        OR CAST("S"."VALID_FROM" AS TIMESTAMP) <= CAST('2026-11-01 00:00:00' AS TIMESTAMP)
      )
      AND (
        CAST("S"."VALID_TO" AS TIMESTAMP) IS NULL
        OR CAST('2026-11-01 00:00:00' AS TIMESTAMP) < CAST("S"."VALID_TO" AS TIMESTAMP)
      )
  ) AS "P0"
    ON "P0"."_PU" = "U"."_PU" AND "P0"."_FIRST" = 1
  WHERE
    "U"."_FIRST" = 1
), "SEGL_EV_0" AS (
  SELECT
    "M"."PERSON" AS "_U",
    CAST("E"."PAID_AT" AS TIMESTAMP) AS "_T",
    NULLIF(CAST("E"."AMOUNT" AS DOUBLE), CAST('NaN' AS DOUBLE)) AS "C0",
    "E"."COUPON_ID" AS "C1",
    "E"."BRAND" AS "C2",
    CAST("E"."PAID_AT" AS TIMESTAMP) AS "C3",
    "E"."CATEGORY" AS "C4",
    "W"."P_0" AS "U0"
  FROM "ORDERS" AS "E"
  INNER JOIN "SEGL_RETAIL_ID_MAP" AS "M"
    ON "M"."KIND" = 'member'
    AND "M"."ID" = CAST(CASE
      WHEN CASE
        WHEN "E"."USER_ID" < CAST(1e+19 AS DOUBLE)
        AND "E"."USER_ID" > (
          -CAST(1e+19 AS DOUBLE)
        )
        THEN CASE
          WHEN CAST("E"."USER_ID" AS DECIMAL(38, 0)) >= (
            -9223372036854775808
          )
          AND CAST("E"."USER_ID" AS DECIMAL(38, 0)) < 9223372036854775808
          THEN "E"."USER_ID" = FLOOR("E"."USER_ID")
          ELSE FALSE
        END
        ELSE FALSE
      END
      THEN CAST("E"."USER_ID" AS BIGINT)
    END AS VARCHAR)
  INNER JOIN "SEGL_USR" AS "W"
    ON "W"."_U" = "M"."PERSON"
  WHERE
    CAST("E"."PAID_AT" AS TIMESTAMP) < CAST('2026-11-01 00:00:00' AS TIMESTAMP)
), "SEGL_EVR_0" AS (
  SELECT
    *,
    MAX("_T") OVER (PARTITION BY "_U") AS "T_A13",
    MIN("_T") OVER (PARTITION BY "_U") AS "T_A14"
  FROM "SEGL_EV_0"
), "SEGL_AGG_0" AS (
  SELECT
    "_U" AS "_G",
    COUNT(1) AS "A0",
    COUNT(CASE WHEN "_T" >= CAST('2026-05-05 00:00:00' AS TIMESTAMP) THEN 1 END) AS "A1",
    SUM(CASE WHEN "_T" >= CAST('2026-05-05 00:00:00' AS TIMESTAMP) THEN "C0" END) AS "A2",
    COUNT(
      CASE
        WHEN "_T" >= CAST('2026-05-05 00:00:00' AS TIMESTAMP) AND NOT (
          "C1" IS NULL
        )
        THEN 1
      END
    ) AS "A3",
    COUNT(
      CASE
        WHEN "_T" >= CAST('2025-11-01 00:00:00' AS TIMESTAMP)
        AND "_T" < CAST('2026-07-04 00:00:00' AS TIMESTAMP)
        THEN 1
      END
    ) AS "A4",
    COUNT(
      CASE
        WHEN "_T" >= CAST('2026-07-04 00:00:00' AS TIMESTAMP)
        AND "_T" < CAST('2026-10-02 00:00:00' AS TIMESTAMP)
        THEN 1
      END
    ) AS "A5",
    COUNT(
      CASE
        WHEN "_T" >= CAST('2026-10-25 00:00:00' AS TIMESTAMP) AND "C2" = 'Shiseido'
        THEN 1
      END
    ) AS "A6",
    MAX("C3") AS "A7",
    COUNT(
      CASE
        WHEN "_T" >= CAST('2026-05-05 00:00:00' AS TIMESTAMP)
        AND "_T" < CAST('2026-08-03 00:00:00' AS TIMESTAMP)
        THEN 1
      END
    ) AS "A9",
    COUNT(
      CASE
        WHEN FLOOR(
          (
            DATE_PART(EPOCH_MICROSECOND, "C3") / 1000000.0 - DATE_PART(EPOCH_MICROSECOND, "U0") / 1000000.0
          ) / 86400
        ) < 7
        THEN 1
      END
    ) AS "A10",
    SUM(CASE WHEN "_T" >= CAST('2026-08-03 00:00:00' AS TIMESTAMP) THEN "C0" END) AS "A11",
    AVG(CASE WHEN "_T" >= CAST('2026-05-05 00:00:00' AS TIMESTAMP) THEN "C0" END) AS "A12",
    MAX(CASE WHEN "_T" = "T_A13" THEN "C4" END) AS "A13",
    MIN(CASE WHEN "_T" = "T_A14" THEN "C2" END) AS "A14",
    COUNT(
      DISTINCT CASE
        WHEN "_T" >= CAST('2026-08-03 00:00:00' AS TIMESTAMP)
        THEN CAST("C3" AS DATE)
      END
    ) AS "A15",
    SUM(CASE WHEN "_T" >= CAST('2026-01-01 00:00:00' AS TIMESTAMP) THEN "C0" END) AS "A16",
    SUM(
      CASE
        WHEN "_T" >= CAST('2026-08-03 00:00:00' AS TIMESTAMP) AND "C1" IS NULL
        THEN "C0" * CAST(0.9 AS DOUBLE)
      END
    ) AS "A17",
    MIN("C3") AS "A18"
  FROM "SEGL_EVR_0"
  GROUP BY
    "_U"
), "SEGL_MFC_A8" AS (
  SELECT
    "_U",
    "V",
    COUNT(*) AS "N"
  FROM (
    SELECT
      "_U",
      "C4" AS "V"
    FROM "SEGL_EV_0"
    WHERE
      "_T" >= CAST('2026-05-05 00:00:00' AS TIMESTAMP)
  ) AS "VALS"
  WHERE
    NOT (
      "V" IS NULL
    )
  GROUP BY
    "_U",
    "V"
), "SEGL_MF_A8" AS (
  SELECT
    "_U" AS "_G",
    "V" AS "A8"
  FROM (
    SELECT
      "_U",
      "V",
      ROW_NUMBER() OVER (PARTITION BY "_U" ORDER BY "N" DESC NULLS LAST, "V" ASC) AS "R"
    FROM "SEGL_MFC_A8"
  ) AS "RANKED"
  WHERE
    "R" = 1
), "SEGL_EV_1" AS (
  SELECT
    "M"."PERSON" AS "_U",
    CAST("E"."TS" AS TIMESTAMP) AS "_T",
    CAST("E"."TS" AS TIMESTAMP) AS "C0",
    "E"."NAME" AS "C1",
    "E"."CHANNEL" AS "C2"
  FROM "EVENTS" AS "E"
  INNER JOIN "SEGL_RETAIL_ID_MAP" AS "M"
    ON "M"."KIND" = 'member'
    AND "M"."ID" = CAST(CASE
      WHEN CASE
        WHEN "E"."USER_ID" < CAST(1e+19 AS DOUBLE)
        AND "E"."USER_ID" > (
          -CAST(1e+19 AS DOUBLE)
        )
        THEN CASE
          WHEN CAST("E"."USER_ID" AS DECIMAL(38, 0)) >= (
            -9223372036854775808
          )
          AND CAST("E"."USER_ID" AS DECIMAL(38, 0)) < 9223372036854775808
          THEN "E"."USER_ID" = FLOOR("E"."USER_ID")
          ELSE FALSE
        END
        ELSE FALSE
      END
      THEN CAST("E"."USER_ID" AS BIGINT)
    END AS VARCHAR)
  WHERE
    CAST("E"."TS" AS TIMESTAMP) < CAST('2026-11-01 00:00:00' AS TIMESTAMP)
), "SEGL_AGG_1" AS (
  SELECT
    "_U" AS "_G",
    MAX(CASE WHEN "C1" = 'visit' THEN "C0" END) AS "A19",
    COUNT(
      CASE
        WHEN "_T" >= CAST('2026-08-01 00:00:00' AS TIMESTAMP) AND "C1" = 'visit'
        THEN 1
      END
    ) AS "A20",
    COUNT(
      CASE
        WHEN "_T" >= CAST('2026-10-02 00:00:00' AS TIMESTAMP) AND "C1" = 'visit'
        THEN 1
      END
    ) AS "A21",
    COUNT(
      CASE
        WHEN "_T" >= CAST('2026-08-03 00:00:00' AS TIMESTAMP)
        AND (
          "C1" = 'visit' AND DAYOFWEEKISO("C0") >= 6
        )
        THEN 1
      END
    ) AS "A22",
    COUNT(
      CASE
        WHEN "_T" >= CAST('2026-10-02 00:00:00' AS TIMESTAMP) AND "C1" = 'push_click'
        THEN 1
      END
    ) AS "A23"
  FROM "SEGL_EV_1"
  GROUP BY
    "_U"
), "SEGL_MFC_A24" AS (
  SELECT
    "_U",
    "V",
    COUNT(*) AS "N"
  FROM (
    SELECT
      "_U",
      "C2" AS "V"
    FROM "SEGL_EV_1"
    WHERE
      "_T" >= CAST('2026-05-05 00:00:00' AS TIMESTAMP) AND "C1" = 'visit'
  ) AS "VALS"
  WHERE
    NOT (
      "V" IS NULL
    )
  GROUP BY
    "_U",
    "V"
), "SEGL_MF_A24" AS (
  SELECT
    "_U" AS "_G",
    "V" AS "A24"
  FROM (
    SELECT
      "_U",
      "V",
      ROW_NUMBER() OVER (PARTITION BY "_U" ORDER BY "N" DESC NULLS LAST, "V" ASC) AS "R"
    FROM "SEGL_MFC_A24"
  ) AS "RANKED"
  WHERE
    "R" = 1
), "SEGL_EV_2" AS (
  SELECT
    "M"."PERSON" AS "_U",
    CAST("E"."CLAIMED_AT" AS TIMESTAMP) AS "_T"
  FROM "COUPONS" AS "E"
  INNER JOIN "SEGL_RETAIL_ID_MAP" AS "M"
    ON "M"."KIND" = 'member'
    AND "M"."ID" = CAST(CASE
      WHEN CASE
        WHEN "E"."USER_ID" < CAST(1e+19 AS DOUBLE)
        AND "E"."USER_ID" > (
          -CAST(1e+19 AS DOUBLE)
        )
        THEN CASE
          WHEN CAST("E"."USER_ID" AS DECIMAL(38, 0)) >= (
            -9223372036854775808
          )
          AND CAST("E"."USER_ID" AS DECIMAL(38, 0)) < 9223372036854775808
          THEN "E"."USER_ID" = FLOOR("E"."USER_ID")
          ELSE FALSE
        END
        ELSE FALSE
      END
      THEN CAST("E"."USER_ID" AS BIGINT)
    END AS VARCHAR)
  WHERE
    CAST("E"."CLAIMED_AT" AS TIMESTAMP) < CAST('2026-11-01 00:00:00' AS TIMESTAMP)
    AND CAST("E"."CLAIMED_AT" AS TIMESTAMP) >= CAST('2026-08-03 00:00:00' AS TIMESTAMP)
), "SEGL_AGG_2" AS (
  SELECT
    "_U" AS "_G",
    COUNT(CASE WHEN "_T" >= CAST('2026-08-03 00:00:00' AS TIMESTAMP) THEN 1 END) AS "A25"
  FROM "SEGL_EV_2"
  GROUP BY
    "_U"
), "SEGL_EV_3" AS (
  SELECT
    "M"."PERSON" AS "_U",
    CAST("E"."BOUND_AT" AS TIMESTAMP) AS "_T"
  FROM "WECHAT_BINDINGS" AS "E"
  INNER JOIN "SEGL_RETAIL_ID_MAP" AS "M"
    ON "M"."KIND" = 'member'
    AND "M"."ID" = CAST(CASE
      WHEN CASE
        WHEN "E"."USER_ID" < CAST(1e+19 AS DOUBLE)
        AND "E"."USER_ID" > (
          -CAST(1e+19 AS DOUBLE)
        )
        THEN CASE
          WHEN CAST("E"."USER_ID" AS DECIMAL(38, 0)) >= (
            -9223372036854775808
          )
          AND CAST("E"."USER_ID" AS DECIMAL(38, 0)) < 9223372036854775808
          THEN "E"."USER_ID" = FLOOR("E"."USER_ID")
          ELSE FALSE
        END
        ELSE FALSE
      END
      THEN CAST("E"."USER_ID" AS BIGINT)
    END AS VARCHAR)
  WHERE
    CAST("E"."BOUND_AT" AS TIMESTAMP) < CAST('2026-11-01 00:00:00' AS TIMESTAMP)
), "SEGL_AGG_3" AS (
  SELECT
    "_U" AS "_G",
    COUNT(1) AS "A26"
  FROM "SEGL_EV_3"
  GROUP BY
    "_U"
), "SEGL_EV_4" AS (
  SELECT
    "M"."PERSON" AS "_U",
    CAST("E"."TS" AS TIMESTAMP) AS "_T",
    CAST("E"."TS" AS TIMESTAMP) AS "C0",
    "E"."DEVICE_ID" AS "C1"
  FROM "APP_EVENTS" AS "E"
  INNER JOIN "SEGL_RETAIL_ID_MAP" AS "M"
    ON "M"."KIND" = 'device' AND "M"."ID" = CAST("E"."DEVICE_ID" AS VARCHAR)
  WHERE
    CAST("E"."TS" AS TIMESTAMP) < CAST('2026-11-01 00:00:00' AS TIMESTAMP)
    AND CAST("E"."TS" AS TIMESTAMP) >= CAST('2026-08-03 00:00:00' AS TIMESTAMP)
), "SEGL_AGG_4" AS (
  SELECT
    "_U" AS "_G",
    COUNT(
      DISTINCT CASE
        WHEN "_T" >= CAST('2026-10-02 00:00:00' AS TIMESTAMP)
        THEN CAST("C0" AS DATE)
      END
    ) AS "A27",
    COUNT(
      DISTINCT CASE WHEN "_T" >= CAST('2026-08-03 00:00:00' AS TIMESTAMP) THEN "C1" END
    ) AS "A28"
  FROM "SEGL_EV_4"
  GROUP BY
    "_U"
), "SEGL_BASE" AS (
  SELECT
    "SEGL_USR".*,
    COALESCE("SEGL_AGG_0"."A0", 0) AS "A0",
    COALESCE("SEGL_AGG_0"."A1", 0) AS "A1",
    NULLIF(COALESCE("SEGL_AGG_0"."A2", 0), CAST('NaN' AS DOUBLE)) AS "A2",
    COALESCE("SEGL_AGG_0"."A3", 0) AS "A3",
    COALESCE("SEGL_AGG_0"."A4" > 0, FALSE) AS "A4",
    COALESCE("SEGL_AGG_0"."A5" > 0, FALSE) AS "A5",
    COALESCE("SEGL_AGG_0"."A6" > 0, FALSE) AS "A6",
    "SEGL_AGG_0"."A7" AS "A7",
    COALESCE("SEGL_AGG_0"."A9", 0) AS "A9",
    COALESCE("SEGL_AGG_0"."A10", 0) AS "A10",
    NULLIF(COALESCE("SEGL_AGG_0"."A11", 0), CAST('NaN' AS DOUBLE)) AS "A11",
    NULLIF("SEGL_AGG_0"."A12", CAST('NaN' AS DOUBLE)) AS "A12",
    "SEGL_AGG_0"."A13" AS "A13",
    "SEGL_AGG_0"."A14" AS "A14",
    COALESCE("SEGL_AGG_0"."A15", 0) AS "A15",
    NULLIF(COALESCE("SEGL_AGG_0"."A16", 0), CAST('NaN' AS DOUBLE)) AS "A16",
    NULLIF(COALESCE("SEGL_AGG_0"."A17", 0), CAST('NaN' AS DOUBLE)) AS "A17",
    "SEGL_AGG_0"."A18" AS "A18",
    "SEGL_MF_A8"."A8" AS "A8",
    "SEGL_AGG_1"."A19" AS "A19",
    COALESCE("SEGL_AGG_1"."A20", 0) AS "A20",
    COALESCE("SEGL_AGG_1"."A21", 0) AS "A21",
    COALESCE("SEGL_AGG_1"."A22", 0) AS "A22",
    COALESCE("SEGL_AGG_1"."A23", 0) AS "A23",
    "SEGL_MF_A24"."A24" AS "A24",
    COALESCE("SEGL_AGG_2"."A25", 0) AS "A25",
    COALESCE("SEGL_AGG_3"."A26" > 0, FALSE) AS "A26",
    COALESCE("SEGL_AGG_4"."A27", 0) AS "A27",
    COALESCE("SEGL_AGG_4"."A28", 0) AS "A28"
  FROM "SEGL_USR"
  LEFT JOIN "SEGL_AGG_0"
    ON "SEGL_AGG_0"."_G" = "SEGL_USR"."_U"
  LEFT JOIN "SEGL_MF_A8"
    ON "SEGL_MF_A8"."_G" = "SEGL_USR"."_U"
  LEFT JOIN "SEGL_AGG_1"
    ON "SEGL_AGG_1"."_G" = "SEGL_USR"."_U"
  LEFT JOIN "SEGL_MF_A24"
    ON "SEGL_MF_A24"."_G" = "SEGL_USR"."_U"
  LEFT JOIN "SEGL_AGG_2"
    ON "SEGL_AGG_2"."_G" = "SEGL_USR"."_U"
  LEFT JOIN "SEGL_AGG_3"
    ON "SEGL_AGG_3"."_G" = "SEGL_USR"."_U"
  LEFT JOIN "SEGL_AGG_4"
    ON "SEGL_AGG_4"."_G" = "SEGL_USR"."_U"
), "SEGL_LVL_1" AS (
  SELECT
    *,
    CAST("A3" AS DOUBLE) / NULLIF(CAST("A1" AS DOUBLE), 0) AS "D6",
    CASE
      WHEN "P_1" IN ('Beijing', '北京')
      THEN 'Beijing'
      WHEN "P_1" IN ('Chengdu', '成都')
      THEN 'Chengdu'
      ELSE "P_1"
    END AS "D14",
    2026 - DATE_PART(YEAR, "P_2") - CASE
      WHEN DATE_PART(MONTH, "P_2") * 100 + DATE_PART(DAY, "P_2") > 1101
      THEN 1
      ELSE 0
    END AS "D25"
  FROM "SEGL_BASE"
), "SEGL_LVL_2" AS (
  SELECT
    *,
    CASE
      WHEN FLOOR(
        (
          DATE_PART(EPOCH_MICROSECOND, CAST('2026-11-01 00:00:00' AS TIMESTAMP)) / 1000000.0 - DATE_PART(EPOCH_MICROSECOND, "P_0") / 1000000.0
        ) / 86400
      ) <= 30
      THEN 'new'
      WHEN FLOOR(
        (
          DATE_PART(EPOCH_MICROSECOND, CAST('2026-11-01 00:00:00' AS TIMESTAMP)) / 1000000.0 - DATE_PART(EPOCH_MICROSECOND, "A19") / 1000000.0
        ) / 86400
      ) > 90
      OR "A19" IS NULL
      THEN 'churned'
      WHEN "A0" >= 5
      THEN 'loyal'
      ELSE 'mature'
    END AS "D2",
    CASE
      WHEN "A1" = 0
      THEN 'no_orders'
      WHEN "D6" >= CAST(0.8 AS DOUBLE) AND "A25" >= 3
      THEN 'fanatic'
      WHEN "D6" >= CAST(0.5 AS DOUBLE)
      THEN 'sensitive'
      WHEN "D6" >= CAST(0.2 AS DOUBLE)
      THEN 'neutral'
      ELSE 'indifferent'
    END AS "D8",
    CASE
      WHEN "A13" = 'skincare'
      THEN 'makeup'
      WHEN "A13" = 'makeup'
      THEN 'skincare'
      WHEN "A13" = 'fragrance'
      THEN 'bodycare'
      WHEN "A13" = 'haircare'
      THEN 'bodycare'
      WHEN "A13" = 'bodycare'
      THEN 'fragrance'
    END AS "D53"
  FROM "SEGL_LVL_1"
)
SELECT
  "_U",
  "A0" AS "D0",
  "A19" AS "D1",
  "D2",
  "A1" AS "D3",
  "A2" AS "D4",
  CASE
    WHEN "A1" >= 3 AND "A2" >= 3000
    THEN 'hf_hv'
    WHEN "A1" >= 3
    THEN 'hf_lv'
    WHEN "A2" >= 3000
    THEN 'lf_hv'
    WHEN "A1" >= 1
    THEN 'lf_lv'
    ELSE 'none'
  END AS "D5",
  "D6",
  "A25" AS "D7",
  "D8",
  COALESCE("A4" AND NOT "A5", FALSE) AS "D9",
  "A6" AS "D10",
  "P_1" AS "D11",
  "A20" AS "D12",
  COALESCE("A20" >= 3 AND "A0" >= 1 AND "P_1" = 'Beijing' AND NOT "A6", FALSE) AS "D13",
  "D14",
  COALESCE("A20" >= 3 AND "A0" >= 1 AND "D14" = 'Beijing' AND NOT "A6", FALSE) AS "D15",
  COALESCE("D2" = 'loyal' AND "D14" = 'Beijing', FALSE) AS "D16",
  "A21" AS "D17",
  COALESCE("A2" >= 3000 AND "A21" = 0 AND "A20" >= 1, FALSE) AS "D18",
  COALESCE("D8" IN ('fanatic', 'sensitive') AND "A25" >= 3, FALSE) AS "D19",
  "A22" AS "D20",
  COALESCE("A22" >= 3 AND "A1" = 0, FALSE) AS "D21",
  "A7" AS "D22",
  "A8" AS "D23",
  COALESCE(
    "A8" = 'skincare'
    AND (
      FLOOR(
        (
          DATE_PART(EPOCH_MICROSECOND, CAST('2026-11-01 00:00:00' AS TIMESTAMP)) / 1000000.0 - DATE_PART(EPOCH_MICROSECOND, "A7") / 1000000.0
        ) / 86400
      ) >= 30
      AND FLOOR(
        (
          DATE_PART(EPOCH_MICROSECOND, CAST('2026-11-01 00:00:00' AS TIMESTAMP)) / 1000000.0 - DATE_PART(EPOCH_MICROSECOND, "A7") / 1000000.0
        ) / 86400
      ) <= 90
    ),
    FALSE
  ) AS "D24",
  "D25",
  COALESCE("D25" >= 18 AND "D25" <= 25 AND "D2" = 'new', FALSE) AS "D26",
  "P_3" AS "D27",
  "P_6" AS "D28",
  COALESCE("P_6" IN ('gold', 'platinum') AND "P_3" > 0, FALSE) AS "D29",
  "A9" AS "D30",
  COALESCE("A9" = 0 AND "A1" >= 1 AND "A0" > "A1", FALSE) AS "D31",
  "A10" AS "D32",
  COALESCE("D2" = 'new' AND "A10" >= 2, FALSE) AS "D33",
  "A11" AS "D34",
  "A27" AS "D35",
  COALESCE("A27" >= 3 AND "A11" = 0, FALSE) AS "D36",
  "A26" AS "D37",
  COALESCE("A1" >= 1 AND NOT "A26", FALSE) AS "D38",
  "P_4" AS "D39",
  FLOOR(
    (
      DATE_PART(EPOCH_MICROSECOND, CAST('2026-11-01 00:00:00' AS TIMESTAMP)) / 1000000.0 - DATE_PART(EPOCH_MICROSECOND, "P_0") / 1000000.0
    ) / 86400
  ) AS "D40",
  "A23" AS "D41",
  "A28" AS "D42",
  "A24" AS "D43",
  "A12" AS "D44",
  "A13" AS "D45",
  "A14" AS "D46",
  "A15" AS "D47",
  "A16" AS "D48",
  "A17" AS "D49",
  CASE WHEN "A11" >= 5000 THEN 'high' WHEN "A11" >= 1000 THEN 'mid' ELSE 'low' END AS "D50",
  CASE
    WHEN "A21" >= 8
    THEN 'high'
    WHEN "A21" >= 2
    THEN 'mid'
    WHEN "A20" >= 1
    THEN 'low'
    ELSE 'inactive'
  END AS "D51",
  FLOOR(
    (
      DATE_PART(EPOCH_MICROSECOND, CAST('2026-11-01 00:00:00' AS TIMESTAMP)) / 1000000.0 - DATE_PART(EPOCH_MICROSECOND, "A19") / 1000000.0
    ) / 86400
  ) AS "D52",
  "D53",
  "A20" >= 1 AS "D54",
  "A8" AS "D55",
  "D53" AS "D56",
  FLOOR(
    (
      DATE_PART(EPOCH_MICROSECOND, CAST('2026-11-01 00:00:00' AS TIMESTAMP)) / 1000000.0 - DATE_PART(EPOCH_MICROSECOND, "A19") / 1000000.0
    ) / 86400
  ) >= 30 AS "D57",
  "A8" AS "D58",
  CASE
    WHEN "A12" >= 800
    THEN 100
    WHEN "A12" >= 400
    THEN 50
    WHEN "A12" >= 150
    THEN 20
    ELSE 10
  END AS "D59",
  "A0" = 1 AS "D60",
  "A18" AS "D61",
  "P_5" AS "D62"
FROM "SEGL_LVL_2";

CREATE TABLE IF NOT EXISTS "SEGL_RETAIL_TAGS" AS
SELECT
  CAST(NULL AS TIMESTAMP) AS "AS_OF",
  "_U" AS "USER_ID",
  CAST(NULL AS DOUBLE) AS "PURCHASES",
  CAST(NULL AS TIMESTAMP) AS "LAST_VISIT_AT",
  CAST(NULL AS DOUBLE) AS "PURCHASES_180D",
  CAST(NULL AS DOUBLE) AS "SPEND_180D",
  CAST(NULL AS DOUBLE) AS "COUPON_SHARE_180D",
  CAST(NULL AS DOUBLE) AS "COUPON_CLAIMS_90D",
  CAST(NULL AS BOOLEAN) AS "BOUGHT_SHISEIDO_1W",
  CAST(NULL AS VARCHAR) AS "CITY",
  CAST(NULL AS DOUBLE) AS "VISITS_3M",
  CAST(NULL AS VARCHAR) AS "HOME_CITY",
  CAST(NULL AS DOUBLE) AS "VISITS_30D",
  CAST(NULL AS DOUBLE) AS "WEEKEND_VISITS_90D",
  CAST(NULL AS TIMESTAMP) AS "LAST_ORDER_AT",
  CAST(NULL AS VARCHAR) AS "TOP_CATEGORY",
  CAST(NULL AS DOUBLE) AS "AGE",
  CAST(NULL AS DOUBLE) AS "BALANCE",
  CAST(NULL AS VARCHAR) AS "MEMBER_LEVEL",
  CAST(NULL AS DOUBLE) AS "ORDERS_PREV_QUARTER",
  CAST(NULL AS DOUBLE) AS "ORDERS_FIRST_WEEK",
  CAST(NULL AS DOUBLE) AS "SPEND_90D",
  CAST(NULL AS DOUBLE) AS "APP_DAYS_30D",
  CAST(NULL AS BOOLEAN) AS "WECHAT_BOUND",
  CAST(NULL AS VARCHAR) AS "GENDER",
  CAST(NULL AS DOUBLE) AS "REGISTERED_DAYS",
  CAST(NULL AS DOUBLE) AS "PUSH_CLICKS_30D",
  CAST(NULL AS DOUBLE) AS "APP_DEVICES_90D",
  CAST(NULL AS VARCHAR) AS "PREFERRED_CHANNEL",
  CAST(NULL AS DOUBLE) AS "AVG_ORDER_VALUE",
  CAST(NULL AS VARCHAR) AS "LAST_ORDER_CATEGORY",
  CAST(NULL AS VARCHAR) AS "FIRST_BRAND",
  CAST(NULL AS DOUBLE) AS "SHOPPING_DAYS_90D",
  CAST(NULL AS DOUBLE) AS "SPEND_THIS_YEAR",
  CAST(NULL AS DOUBLE) AS "DISCOUNTED_SPEND_90D",
  CAST(NULL AS VARCHAR) AS "VALUE_LEVEL",
  CAST(NULL AS VARCHAR) AS "ACTIVITY_LEVEL",
  CAST(NULL AS DOUBLE) AS "DAYS_SINCE_VISIT",
  CAST(NULL AS VARCHAR) AS "COMPLEMENTARY_CATEGORY"
FROM "SEGL_RETAIL_RESULT"
WHERE
  1 = 0;

ALTER TABLE "SEGL_RETAIL_TAGS"
ADD IF NOT EXISTS "PURCHASES" DOUBLE;

ALTER TABLE "SEGL_RETAIL_TAGS"
ADD IF NOT EXISTS "LAST_VISIT_AT" TIMESTAMP;

ALTER TABLE "SEGL_RETAIL_TAGS"
ADD IF NOT EXISTS "PURCHASES_180D" DOUBLE;

ALTER TABLE "SEGL_RETAIL_TAGS"
ADD IF NOT EXISTS "SPEND_180D" DOUBLE;

ALTER TABLE "SEGL_RETAIL_TAGS"
ADD IF NOT EXISTS "COUPON_SHARE_180D" DOUBLE;

ALTER TABLE "SEGL_RETAIL_TAGS"
ADD IF NOT EXISTS "COUPON_CLAIMS_90D" DOUBLE;

ALTER TABLE "SEGL_RETAIL_TAGS"
ADD IF NOT EXISTS "BOUGHT_SHISEIDO_1W" BOOLEAN;

ALTER TABLE "SEGL_RETAIL_TAGS"
ADD IF NOT EXISTS "CITY" VARCHAR;

ALTER TABLE "SEGL_RETAIL_TAGS"
ADD IF NOT EXISTS "VISITS_3M" DOUBLE;

ALTER TABLE "SEGL_RETAIL_TAGS"
ADD IF NOT EXISTS "HOME_CITY" VARCHAR;

ALTER TABLE "SEGL_RETAIL_TAGS"
ADD IF NOT EXISTS "VISITS_30D" DOUBLE;

ALTER TABLE "SEGL_RETAIL_TAGS"
ADD IF NOT EXISTS "WEEKEND_VISITS_90D" DOUBLE;

ALTER TABLE "SEGL_RETAIL_TAGS"
ADD IF NOT EXISTS "LAST_ORDER_AT" TIMESTAMP;

ALTER TABLE "SEGL_RETAIL_TAGS"
ADD IF NOT EXISTS "TOP_CATEGORY" VARCHAR;

ALTER TABLE "SEGL_RETAIL_TAGS"
ADD IF NOT EXISTS "AGE" DOUBLE;

ALTER TABLE "SEGL_RETAIL_TAGS"
ADD IF NOT EXISTS "BALANCE" DOUBLE;

ALTER TABLE "SEGL_RETAIL_TAGS"
ADD IF NOT EXISTS "MEMBER_LEVEL" VARCHAR;

ALTER TABLE "SEGL_RETAIL_TAGS"
ADD IF NOT EXISTS "ORDERS_PREV_QUARTER" DOUBLE;

ALTER TABLE "SEGL_RETAIL_TAGS"
ADD IF NOT EXISTS "ORDERS_FIRST_WEEK" DOUBLE;

ALTER TABLE "SEGL_RETAIL_TAGS"
ADD IF NOT EXISTS "SPEND_90D" DOUBLE;

ALTER TABLE "SEGL_RETAIL_TAGS"
ADD IF NOT EXISTS "APP_DAYS_30D" DOUBLE;

ALTER TABLE "SEGL_RETAIL_TAGS"
ADD IF NOT EXISTS "WECHAT_BOUND" BOOLEAN;

ALTER TABLE "SEGL_RETAIL_TAGS"
ADD IF NOT EXISTS "GENDER" VARCHAR;

ALTER TABLE "SEGL_RETAIL_TAGS"
ADD IF NOT EXISTS "REGISTERED_DAYS" DOUBLE;

ALTER TABLE "SEGL_RETAIL_TAGS"
ADD IF NOT EXISTS "PUSH_CLICKS_30D" DOUBLE;

ALTER TABLE "SEGL_RETAIL_TAGS"
ADD IF NOT EXISTS "APP_DEVICES_90D" DOUBLE;

ALTER TABLE "SEGL_RETAIL_TAGS"
ADD IF NOT EXISTS "PREFERRED_CHANNEL" VARCHAR;

ALTER TABLE "SEGL_RETAIL_TAGS"
ADD IF NOT EXISTS "AVG_ORDER_VALUE" DOUBLE;

ALTER TABLE "SEGL_RETAIL_TAGS"
ADD IF NOT EXISTS "LAST_ORDER_CATEGORY" VARCHAR;

ALTER TABLE "SEGL_RETAIL_TAGS"
ADD IF NOT EXISTS "FIRST_BRAND" VARCHAR;

ALTER TABLE "SEGL_RETAIL_TAGS"
ADD IF NOT EXISTS "SHOPPING_DAYS_90D" DOUBLE;

ALTER TABLE "SEGL_RETAIL_TAGS"
ADD IF NOT EXISTS "SPEND_THIS_YEAR" DOUBLE;

ALTER TABLE "SEGL_RETAIL_TAGS"
ADD IF NOT EXISTS "DISCOUNTED_SPEND_90D" DOUBLE;

ALTER TABLE "SEGL_RETAIL_TAGS"
ADD IF NOT EXISTS "VALUE_LEVEL" VARCHAR;

ALTER TABLE "SEGL_RETAIL_TAGS"
ADD IF NOT EXISTS "ACTIVITY_LEVEL" VARCHAR;

ALTER TABLE "SEGL_RETAIL_TAGS"
ADD IF NOT EXISTS "DAYS_SINCE_VISIT" DOUBLE;

ALTER TABLE "SEGL_RETAIL_TAGS"
ADD IF NOT EXISTS "COMPLEMENTARY_CATEGORY" VARCHAR;

DELETE FROM "SEGL_RETAIL_TAGS"
WHERE
  "AS_OF" = CAST('2026-11-01 00:00:00' AS TIMESTAMP);

INSERT INTO "SEGL_RETAIL_TAGS" (
  "AS_OF",
  "USER_ID",
  "PURCHASES",
  "LAST_VISIT_AT",
  "PURCHASES_180D",
  "SPEND_180D",
  "COUPON_SHARE_180D",
  "COUPON_CLAIMS_90D",
  "BOUGHT_SHISEIDO_1W",
  "CITY",
  "VISITS_3M",
  "HOME_CITY",
  "VISITS_30D",
  "WEEKEND_VISITS_90D",
  "LAST_ORDER_AT",
  "TOP_CATEGORY",
  "AGE",
  "BALANCE",
  "MEMBER_LEVEL",
  "ORDERS_PREV_QUARTER",
  "ORDERS_FIRST_WEEK",
  "SPEND_90D",
  "APP_DAYS_30D",
  "WECHAT_BOUND",
  "GENDER",
  "REGISTERED_DAYS",
  "PUSH_CLICKS_30D",
  "APP_DEVICES_90D",
  "PREFERRED_CHANNEL",
  "AVG_ORDER_VALUE",
  "LAST_ORDER_CATEGORY",
  "FIRST_BRAND",
  "SHOPPING_DAYS_90D",
  "SPEND_THIS_YEAR",
  "DISCOUNTED_SPEND_90D",
  "VALUE_LEVEL",
  "ACTIVITY_LEVEL",
  "DAYS_SINCE_VISIT",
  "COMPLEMENTARY_CATEGORY"
)
SELECT
  CAST('2026-11-01 00:00:00' AS TIMESTAMP),
  "_U",
  CAST("D0" AS DOUBLE),
  CAST("D1" AS TIMESTAMP),
  CAST("D3" AS DOUBLE),
  CAST("D4" AS DOUBLE),
  CAST("D6" AS DOUBLE),
  CAST("D7" AS DOUBLE),
  CAST("D10" AS BOOLEAN),
  CAST("D11" AS VARCHAR),
  CAST("D12" AS DOUBLE),
  CAST("D14" AS VARCHAR),
  CAST("D17" AS DOUBLE),
  CAST("D20" AS DOUBLE),
  CAST("D22" AS TIMESTAMP),
  CAST("D23" AS VARCHAR),
  CAST("D25" AS DOUBLE),
  CAST("D27" AS DOUBLE),
  CAST("D28" AS VARCHAR),
  CAST("D30" AS DOUBLE),
  CAST("D32" AS DOUBLE),
  CAST("D34" AS DOUBLE),
  CAST("D35" AS DOUBLE),
  CAST("D37" AS BOOLEAN),
  CAST("D39" AS VARCHAR),
  CAST("D40" AS DOUBLE),
  CAST("D41" AS DOUBLE),
  CAST("D42" AS DOUBLE),
  CAST("D43" AS VARCHAR),
  CAST("D44" AS DOUBLE),
  CAST("D45" AS VARCHAR),
  CAST("D46" AS VARCHAR),
  CAST("D47" AS DOUBLE),
  CAST("D48" AS DOUBLE),
  CAST("D49" AS DOUBLE),
  CAST("D50" AS VARCHAR),
  CAST("D51" AS VARCHAR),
  CAST("D52" AS DOUBLE),
  CAST("D53" AS VARCHAR)
FROM "SEGL_RETAIL_RESULT";

CREATE TABLE IF NOT EXISTS "SEGL_RETAIL_MEMBERS" AS
SELECT
  CAST(NULL AS TIMESTAMP) AS "AS_OF",
  CAST(NULL AS VARCHAR) AS "SEGMENT",
  "_U" AS "USER_ID"
FROM "SEGL_RETAIL_RESULT"
WHERE
  1 = 0;

ALTER TABLE "SEGL_RETAIL_MEMBERS"
ADD IF NOT EXISTS "SEGMENT" VARCHAR;

DELETE FROM "SEGL_RETAIL_MEMBERS"
WHERE
  "AS_OF" = CAST('2026-11-01 00:00:00' AS TIMESTAMP);

INSERT INTO "SEGL_RETAIL_MEMBERS" (
  "AS_OF",
  "SEGMENT",
  "USER_ID"
)
SELECT
  CAST('2026-11-01 00:00:00' AS TIMESTAMP),
  'lapsed_buyers',
  "_U"
FROM "SEGL_RETAIL_RESULT"
WHERE
  "D9" = TRUE
UNION ALL
SELECT
  CAST('2026-11-01 00:00:00' AS TIMESTAMP),
  'beijing_loyal',
  "_U"
FROM "SEGL_RETAIL_RESULT"
WHERE
  "D13" = TRUE
UNION ALL
SELECT
  CAST('2026-11-01 00:00:00' AS TIMESTAMP),
  'beijing_loyal_any_spelling',
  "_U"
FROM "SEGL_RETAIL_RESULT"
WHERE
  "D15" = TRUE
UNION ALL
SELECT
  CAST('2026-11-01 00:00:00' AS TIMESTAMP),
  'loyal_beijing',
  "_U"
FROM "SEGL_RETAIL_RESULT"
WHERE
  "D16" = TRUE
UNION ALL
SELECT
  CAST('2026-11-01 00:00:00' AS TIMESTAMP),
  'high_value_at_risk',
  "_U"
FROM "SEGL_RETAIL_RESULT"
WHERE
  "D18" = TRUE
UNION ALL
SELECT
  CAST('2026-11-01 00:00:00' AS TIMESTAMP),
  'coupon_hunters',
  "_U"
FROM "SEGL_RETAIL_RESULT"
WHERE
  "D19" = TRUE
UNION ALL
SELECT
  CAST('2026-11-01 00:00:00' AS TIMESTAMP),
  'weekend_browsers',
  "_U"
FROM "SEGL_RETAIL_RESULT"
WHERE
  "D21" = TRUE
UNION ALL
SELECT
  CAST('2026-11-01 00:00:00' AS TIMESTAMP),
  'skincare_fans_no_recent_order',
  "_U"
FROM "SEGL_RETAIL_RESULT"
WHERE
  "D24" = TRUE
UNION ALL
SELECT
  CAST('2026-11-01 00:00:00' AS TIMESTAMP),
  'young_new_members',
  "_U"
FROM "SEGL_RETAIL_RESULT"
WHERE
  "D26" = TRUE
UNION ALL
SELECT
  CAST('2026-11-01 00:00:00' AS TIMESTAMP),
  'gold_or_better',
  "_U"
FROM "SEGL_RETAIL_RESULT"
WHERE
  "D29" = TRUE
UNION ALL
SELECT
  CAST('2026-11-01 00:00:00' AS TIMESTAMP),
  'reactivated',
  "_U"
FROM "SEGL_RETAIL_RESULT"
WHERE
  "D31" = TRUE
UNION ALL
SELECT
  CAST('2026-11-01 00:00:00' AS TIMESTAMP),
  'fast_starters',
  "_U"
FROM "SEGL_RETAIL_RESULT"
WHERE
  "D33" = TRUE
UNION ALL
SELECT
  CAST('2026-11-01 00:00:00' AS TIMESTAMP),
  'app_browsers_no_order',
  "_U"
FROM "SEGL_RETAIL_RESULT"
WHERE
  "D36" = TRUE
UNION ALL
SELECT
  CAST('2026-11-01 00:00:00' AS TIMESTAMP),
  'bind_wechat_invite',
  "_U"
FROM "SEGL_RETAIL_RESULT"
WHERE
  "D38" = TRUE;

CREATE TABLE IF NOT EXISTS "SEGL_RETAIL_LAYERS" AS
SELECT
  CAST(NULL AS TIMESTAMP) AS "AS_OF",
  CAST(NULL AS VARCHAR) AS "LAYERING",
  "_U" AS "USER_ID",
  CAST(NULL AS VARCHAR) AS "LAYER"
FROM "SEGL_RETAIL_RESULT"
WHERE
  1 = 0;

ALTER TABLE "SEGL_RETAIL_LAYERS"
ADD IF NOT EXISTS "LAYERING" VARCHAR;

ALTER TABLE "SEGL_RETAIL_LAYERS"
ADD IF NOT EXISTS "LAYER" VARCHAR;

DELETE FROM "SEGL_RETAIL_LAYERS"
WHERE
  "AS_OF" = CAST('2026-11-01 00:00:00' AS TIMESTAMP);

INSERT INTO "SEGL_RETAIL_LAYERS" (
  "AS_OF",
  "LAYERING",
  "USER_ID",
  "LAYER"
)
SELECT
  CAST('2026-11-01 00:00:00' AS TIMESTAMP),
  'lifecycle',
  "_U",
  "D2"
FROM "SEGL_RETAIL_RESULT"
WHERE
  NOT (
    "D2" IS NULL
  )
UNION ALL
SELECT
  CAST('2026-11-01 00:00:00' AS TIMESTAMP),
  'value_quadrant',
  "_U",
  "D5"
FROM "SEGL_RETAIL_RESULT"
WHERE
  NOT (
    "D5" IS NULL
  )
UNION ALL
SELECT
  CAST('2026-11-01 00:00:00' AS TIMESTAMP),
  'promo_sensitivity',
  "_U",
  "D8"
FROM "SEGL_RETAIL_RESULT"
WHERE
  NOT (
    "D8" IS NULL
  );

CREATE TABLE IF NOT EXISTS "SEGL_RETAIL_PERSONS" AS
SELECT
  CAST(NULL AS TIMESTAMP) AS "AS_OF",
  CAST(NULL AS VARCHAR) AS "PERSON",
  CAST(NULL AS VARCHAR) AS "KIND",
  CAST(NULL AS VARCHAR) AS "ID"
FROM "SEGL_RETAIL_RESULT"
WHERE
  1 = 0;

ALTER TABLE "SEGL_RETAIL_PERSONS"
ADD IF NOT EXISTS "PERSON" VARCHAR;

ALTER TABLE "SEGL_RETAIL_PERSONS"
ADD IF NOT EXISTS "KIND" VARCHAR;

ALTER TABLE "SEGL_RETAIL_PERSONS"
ADD IF NOT EXISTS "ID" VARCHAR;

DELETE FROM "SEGL_RETAIL_PERSONS"
WHERE
  "AS_OF" = CAST('2026-11-01 00:00:00' AS TIMESTAMP);

INSERT INTO "SEGL_RETAIL_PERSONS" (
  "AS_OF",
  "PERSON",
  "KIND",
  "ID"
)
SELECT
  CAST('2026-11-01 00:00:00' AS TIMESTAMP),
  "PERSON",
  "KIND",
  "ID"
FROM "SEGL_RETAIL_ID_MAP";

CREATE TABLE IF NOT EXISTS "SEGL_RETAIL_SHARED_IDS" AS
SELECT
  CAST(NULL AS TIMESTAMP) AS "AS_OF",
  CAST(NULL AS VARCHAR) AS "ID",
  CAST(NULL AS BIGINT) AS "LINKS"
FROM "SEGL_RETAIL_RESULT"
WHERE
  1 = 0;

ALTER TABLE "SEGL_RETAIL_SHARED_IDS"
ADD IF NOT EXISTS "ID" VARCHAR;

ALTER TABLE "SEGL_RETAIL_SHARED_IDS"
ADD IF NOT EXISTS "LINKS" BIGINT;

DELETE FROM "SEGL_RETAIL_SHARED_IDS"
WHERE
  "AS_OF" = CAST('2026-11-01 00:00:00' AS TIMESTAMP);

INSERT INTO "SEGL_RETAIL_SHARED_IDS" (
  "AS_OF",
  "ID",
  "LINKS"
)
SELECT
  CAST('2026-11-01 00:00:00' AS TIMESTAMP),
  "N",
  CAST("LINKS" AS BIGINT)
FROM "SEGL_RETAIL_ID_SHARED";

CREATE TABLE IF NOT EXISTS "SEGL_RUNS" AS
SELECT
  CAST(NULL AS VARCHAR) AS "PROJECT",
  CAST(NULL AS TIMESTAMP) AS "AS_OF",
  CAST(NULL AS VARCHAR) AS "TIMEZONE",
  CAST(NULL AS TIMESTAMPTZ) AS "RUN_AT",
  CAST(NULL AS DOUBLE) AS "DURATION_SECONDS",
  CAST(NULL AS BIGINT) AS "USERS",
  CAST(NULL AS VARCHAR) AS "RULES_FINGERPRINT",
  CAST(NULL AS VARCHAR) AS "SEGL_VERSION",
  CAST(NULL AS VARCHAR) AS "DEFINITIONS"
FROM "SEGL_RETAIL_RESULT"
WHERE
  1 = 0;

ALTER TABLE "SEGL_RUNS"
ADD IF NOT EXISTS "TIMEZONE" VARCHAR;

ALTER TABLE "SEGL_RUNS"
ADD IF NOT EXISTS "RUN_AT" TIMESTAMPTZ;

ALTER TABLE "SEGL_RUNS"
ADD IF NOT EXISTS "DURATION_SECONDS" DOUBLE;

ALTER TABLE "SEGL_RUNS"
ADD IF NOT EXISTS "USERS" BIGINT;

ALTER TABLE "SEGL_RUNS"
ADD IF NOT EXISTS "RULES_FINGERPRINT" VARCHAR;

ALTER TABLE "SEGL_RUNS"
ADD IF NOT EXISTS "SEGL_VERSION" VARCHAR;

ALTER TABLE "SEGL_RUNS"
ADD IF NOT EXISTS "DEFINITIONS" VARCHAR;

DELETE FROM "SEGL_RUNS"
WHERE
  "PROJECT" = 'retail' AND "AS_OF" = CAST('2026-11-01 00:00:00' AS TIMESTAMP);

INSERT INTO "SEGL_RUNS" (
  "PROJECT",
  "AS_OF",
  "TIMEZONE",
  "RUN_AT",
  "DURATION_SECONDS",
  "USERS",
  "RULES_FINGERPRINT",
  "SEGL_VERSION",
  "DEFINITIONS"
)
SELECT
  'retail',
  CAST('2026-11-01 00:00:00' AS TIMESTAMP),
  'Asia/Shanghai',
  CAST(CURRENT_TIMESTAMP() AS TIMESTAMPTZ),
  CAST(NULL AS DOUBLE),
  CAST(COUNT(*) AS BIGINT),
  '2b9907352bd21c4a9d67281cb6c04dd7ad441ba4e44496f6de41b574aee382d3',
  'unknown',
  '{"activity_level": "6dc02abc89a3719f", "age": "07c128c3f70f29ae", "app_browsers_no_order": "5d3c878442ab1483", "app_days_30d": "ad34f399b9461610", "app_devices_90d": "ca255d1fb802edec", "avg_order_value": "37bcfeaab94b2082", "balance": "58f5ec061737f7ae", "beijing_loyal": "e7d2fd39217c044e", "beijing_loyal_any_spelling": "26a61f8db1e15a06", "bind_wechat_invite": "3a6c29b10c8ff463", "bought_shiseido_1w": "cb4f6d8017ac59cc", "city": "8b97e5c23c3f1259", "complementary_category": "687c2a5143a80f4a", "coupon_claims_90d": "3f66436810dcd48f", "coupon_hunters": "f383dc4f37f59f84", "coupon_share_180d": "bf505e1c150ef59f", "days_since_visit": "41de3c7d55eedfd3", "discounted_spend_90d": "9805f0fa5ebcea5f", "fast_starters": "c2c63c3aae6bba30", "first_brand": "090fcaa848ecc35a", "gender": "1495a4f2bcb032e8", "gold_or_better": "a7e64b612a710382", "high_value_at_risk": "b19410bec51145d6", "home_city": "78de8db4c1c96996", "lapsed_buyers": "f27ad8a15bb000eb", "last_order_at": "5841bb9094a7e67f", "last_order_category": "77aee1f3d70f0c29", "last_visit_at": "9791ad33607490e3", "lifecycle": "10aa3221978a5e9d", "loyal_beijing": "23c20b3bd1c75656", "member_level": "89fcd83b812a7fee", "orders_first_week": "bef3c8bc1bbb5832", "orders_prev_quarter": "ba3a2a49d06bbdec", "preferred_channel": "02201f2ea174c7d6", "promo_sensitivity": "bc12945c9a299af6", "purchases": "54fbe7820974b365", "purchases_180d": "a413329870f785ca", "push_clicks_30d": "5ba164c93b65116e", "reactivated": "2fb35a943fe51a95", "registered_days": "da546ef61dd71367", "shopping_days_90d": "6f0ede754876ff09", "skincare_fans_no_recent_order": "423b358d0cd844a5", "spend_180d": "c8d7089bf0a28f7c", "spend_90d": "1c8278f50db71731", "spend_this_year": "eb22b3a528385088", "top_category": "55c37ca9e1f8f141", "value_level": "e817e2b9fb81ad04", "value_quadrant": "a1e79e1e1d2e19fc", "visits_30d": "a79a7a70a19f3969", "visits_3m": "db961de7f4916e21", "wechat_bound": "0d0a812dab485038", "weekend_browsers": "f0ab2e1c0c876650", "weekend_visits_90d": "420f74c31fc2f050", "young_new_members": "856c5674cc45167d"}'
FROM "SEGL_RETAIL_RESULT";

DROP TABLE IF EXISTS "SEGL_RETAIL_RESULT";

DROP TABLE IF EXISTS "SEGL_RETAIL_ID_LINKS";

DROP TABLE IF EXISTS "SEGL_RETAIL_ID_IDS";

DROP TABLE IF EXISTS "SEGL_RETAIL_ID_SHARED";

DROP TABLE IF EXISTS "SEGL_RETAIL_ID_MAP";

DROP TABLE IF EXISTS "SEGL_RETAIL_ID_LABELS";

DROP TABLE IF EXISTS "SEGL_RETAIL_ID_E0";
