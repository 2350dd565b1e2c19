-- segl: project 'retail', target sqlite
-- as of 2026-11-01 00:00:00 (Asia/Shanghai); window bounds below are literals computed from it
-- results: segl_retail_tags, segl_retail_members, segl_retail_layers, segl_retail_persons, segl_retail_shared_ids, segl_runs
-- journeys are decided by `segl run` only: this script leaves them out
-- alerts are evaluated by `segl run` only: this script leaves them out

BEGIN TRANSACTION;

CREATE TEMPORARY TABLE "segl_retail_id_links" AS
SELECT DISTINCT
  "a",
  "b"
FROM (
  SELECT
    CASE WHEN "y" < "x" THEN "x" ELSE "y" END AS "a",
    CASE WHEN "y" < "x" THEN "y" ELSE "x" END AS "b"
  FROM (
    SELECT
      'member:' || CAST(CASE
        WHEN CASE
          WHEN "s"."user_id" < CAST(1e+19 AS REAL)
          AND "s"."user_id" > (
            -CAST(1e+19 AS REAL)
          )
          THEN CASE
            WHEN "s"."user_id" >= (
              -9223372036854775808
            )
            AND "s"."user_id" < 9223372036854775808
            THEN "s"."user_id" = FLOOR("s"."user_id")
            ELSE FALSE
          END
          ELSE FALSE
        END
        THEN CAST("s"."user_id" AS INTEGER)
      END AS TEXT) AS "x",
      'openid:' || CAST("s"."openid" AS TEXT) AS "y"
    FROM "wechat_bindings" AS "s"
    WHERE
      NOT (
        CAST(CASE
          WHEN CASE
            WHEN "s"."user_id" < CAST(1e+19 AS REAL)
            AND "s"."user_id" > (
              -CAST(1e+19 AS REAL)
            )
            THEN CASE
              WHEN "s"."user_id" >= (
                -9223372036854775808
              )
              AND "s"."user_id" < 9223372036854775808
              THEN "s"."user_id" = FLOOR("s"."user_id")
              ELSE FALSE
            END
            ELSE FALSE
          END
          THEN CAST("s"."user_id" AS INTEGER)
        END AS TEXT) IS NULL
      )
      AND NOT (
        CAST("s"."openid" AS TEXT) IS NULL
      )
      AND CASE
        WHEN "s"."bound_at" GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'
        AND DATETIME("s"."bound_at" || ' 00:00:00', '+0 days') = "s"."bound_at" || ' 00:00:00'
        THEN "s"."bound_at" || ' 00:00:00'
        WHEN "s"."bound_at" GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][ T][0-9][0-9]:[0-9][0-9]'
        AND DATETIME(
          SUBSTR("s"."bound_at", 1, 10) || ' ' || SUBSTR("s"."bound_at", 12, 5) || ':00',
          '+0 days'
        ) = SUBSTR("s"."bound_at", 1, 10) || ' ' || SUBSTR("s"."bound_at", 12, 5) || ':00'
        THEN SUBSTR("s"."bound_at", 1, 10) || ' ' || SUBSTR("s"."bound_at", 12, 5) || ':00'
        WHEN (
          SUBSTR("s"."bound_at", 1, 19) GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][ T][0-9][0-9]:[0-9][0-9]:[0-9][0-9]'
          AND (
            SUBSTR("s"."bound_at", 20) = ''
            OR SUBSTR("s"."bound_at", 20) GLOB '.[0-9]*'
            AND NOT SUBSTR("s"."bound_at", 21) GLOB '*[^0-9]*'
          )
        )
        AND DATETIME(SUBSTR("s"."bound_at", 1, 10) || ' ' || SUBSTR("s"."bound_at", 12, 8), '+0 days') = SUBSTR("s"."bound_at", 1, 10) || ' ' || SUBSTR("s"."bound_at", 12, 8)
        THEN CASE
          WHEN RTRIM(SUBSTR("s"."bound_at", 21), '0') = ''
          THEN SUBSTR("s"."bound_at", 1, 10) || ' ' || SUBSTR("s"."bound_at", 12, 8)
          ELSE SUBSTR("s"."bound_at", 1, 10) || ' ' || SUBSTR("s"."bound_at", 12, 8) || '.' || SUBSTR(SUBSTR("s"."bound_at", 21) || '000000', 1, 6)
        END
        ELSE NULL
      END < '2026-11-01 00:00:00'
  ) AS "p"
  WHERE
    "x" <> "y"
  UNION ALL
  SELECT
    CASE WHEN "y" < "x" THEN "x" ELSE "y" END AS "a",
    CASE WHEN "y" < "x" THEN "y" ELSE "x" END AS "b"
  FROM (
    SELECT
      'device:' || CAST("s"."device_id" AS TEXT) AS "x",
      'openid:' || CAST("s"."openid" AS TEXT) AS "y"
    FROM "app_events" AS "s"
    WHERE
      NOT (
        CAST("s"."device_id" AS TEXT) IS NULL
      )
      AND NOT (
        CAST("s"."openid" AS TEXT) IS NULL
      )
      AND CASE
        WHEN "s"."ts" GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'
        AND DATETIME("s"."ts" || ' 00:00:00', '+0 days') = "s"."ts" || ' 00:00:00'
        THEN "s"."ts" || ' 00:00:00'
        WHEN "s"."ts" GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][ T][0-9][0-9]:[0-9][0-9]'
        AND DATETIME(SUBSTR("s"."ts", 1, 10) || ' ' || SUBSTR("s"."ts", 12, 5) || ':00', '+0 days') = SUBSTR("s"."ts", 1, 10) || ' ' || SUBSTR("s"."ts", 12, 5) || ':00'
        THEN SUBSTR("s"."ts", 1, 10) || ' ' || SUBSTR("s"."ts", 12, 5) || ':00'
        WHEN (
          SUBSTR("s"."ts", 1, 19) GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][ T][0-9][0-9]:[0-9][0-9]:[0-9][0-9]'
          AND (
            SUBSTR("s"."ts", 20) = ''
            OR SUBSTR("s"."ts", 20) GLOB '.[0-9]*'
            AND NOT SUBSTR("s"."ts", 21) GLOB '*[^0-9]*'
          )
        )
        AND DATETIME(SUBSTR("s"."ts", 1, 10) || ' ' || SUBSTR("s"."ts", 12, 8), '+0 days') = SUBSTR("s"."ts", 1, 10) || ' ' || SUBSTR("s"."ts", 12, 8)
        THEN CASE
          WHEN RTRIM(SUBSTR("s"."ts", 21), '0') = ''
          THEN SUBSTR("s"."ts", 1, 10) || ' ' || SUBSTR("s"."ts", 12, 8)
          ELSE SUBSTR("s"."ts", 1, 10) || ' ' || SUBSTR("s"."ts", 12, 8) || '.' || SUBSTR(SUBSTR("s"."ts", 21) || '000000', 1, 6)
        END
        ELSE NULL
      END < '2026-11-01 00:00:00'
  ) AS "p"
  WHERE
    "x" <> "y"
) AS "l";

CREATE TEMPORARY TABLE "segl_retail_id_ids" AS
SELECT
  "kind" || ':' || "id" AS "n",
  "kind",
  "id",
  "pref"
FROM (
  SELECT
    'member' AS "kind",
    CAST(CASE
      WHEN CASE
        WHEN "s"."user_id" < CAST(1e+19 AS REAL)
        AND "s"."user_id" > (
          -CAST(1e+19 AS REAL)
        )
        THEN CASE
          WHEN "s"."user_id" >= (
            -9223372036854775808
          )
          AND "s"."user_id" < 9223372036854775808
          THEN "s"."user_id" = FLOOR("s"."user_id")
          ELSE FALSE
        END
        ELSE FALSE
      END
      THEN CAST("s"."user_id" AS INTEGER)
    END AS TEXT) AS "id",
    0 AS "pref"
  FROM "users" AS "s"
  WHERE
    NOT (
      CAST(CASE
        WHEN CASE
          WHEN "s"."user_id" < CAST(1e+19 AS REAL)
          AND "s"."user_id" > (
            -CAST(1e+19 AS REAL)
          )
          THEN CASE
            WHEN "s"."user_id" >= (
              -9223372036854775808
            )
            AND "s"."user_id" < 9223372036854775808
            THEN "s"."user_id" = FLOOR("s"."user_id")
            ELSE FALSE
          END
          ELSE FALSE
        END
        THEN CAST("s"."user_id" AS INTEGER)
      END AS TEXT) IS NULL
    )
    AND (
      CASE
        WHEN "s"."registered_at" GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'
        AND DATETIME("s"."registered_at" || ' 00:00:00', '+0 days') = "s"."registered_at" || ' 00:00:00'
        THEN "s"."registered_at" || ' 00:00:00'
        WHEN "s"."registered_at" GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][ T][0-9][0-9]:[0-9][0-9]'
        AND DATETIME(
          SUBSTR("s"."registered_at", 1, 10) || ' ' || SUBSTR("s"."registered_at", 12, 5) || ':00',
          '+0 days'
        ) = SUBSTR("s"."registered_at", 1, 10) || ' ' || SUBSTR("s"."registered_at", 12, 5) || ':00'
        THEN SUBSTR("s"."registered_at", 1, 10) || ' ' || SUBSTR("s"."registered_at", 12, 5) || ':00'
        WHEN (
          SUBSTR("s"."registered_at", 1, 19) GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][ T][0-9][0-9]:[0-9][0-9]:[0-9][0-9]'
          AND (
            SUBSTR("s"."registered_at", 20) = ''
            OR SUBSTR("s"."registered_at", 20) GLOB '.[0-9]*'
            AND NOT SUBSTR("s"."registered_at", 21) GLOB '*[^0-9]*'
          )
        )
        AND DATETIME(
          SUBSTR("s"."registered_at", 1, 10) || ' ' || SUBSTR("s"."registered_at", 12, 8),
          '+0 days'
        ) = SUBSTR("s"."registered_at", 1, 10) || ' ' || SUBSTR("s"."registered_at", 12, 8)
        THEN CASE
          WHEN RTRIM(SUBSTR("s"."registered_at", 21), '0') = ''
          THEN SUBSTR("s"."registered_at", 1, 10) || ' ' || SUBSTR("s"."registered_at", 12, 8)
          ELSE SUBSTR("s"."registered_at", 1, 10) || ' ' || SUBSTR("s"."registered_at", 12, 8) || '.' || SUBSTR(SUBSTR("s"."registered_at", 21) || '000000', 1, 6)
        END
        ELSE NULL
      END IS NULL
      OR CASE
        WHEN "s"."registered_at" GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'
        AND DATETIME("s"."registered_at" || ' 00:00:00', '+0 days') = "s"."registered_at" || ' 00:00:00'
        THEN "s"."registered_at" || ' 00:00:00'
        WHEN "s"."registered_at" GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][ T][0-9][0-9]:[0-9][0-9]'
        AND DATETIME(
          SUBSTR("s"."registered_at", 1, 10) || ' ' || SUBSTR("s"."registered_at", 12, 5) || ':00',
          '+0 days'
        ) = SUBSTR("s"."registered_at", 1, 10) || ' ' || SUBSTR("s"."registered_at", 12, 5) || ':00'
        THEN SUBSTR("s"."registered_at", 1, 10) || ' ' || SUBSTR("s"."registered_at", 12, 5) || ':00'
        WHEN (
          SUBSTR("s"."registered_at", 1, 19) GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][ T][0-9][0-9]:[0-9][0-9]:[0-9][0-9]'
          AND (
            SUBSTR("s"."registered_at", 20) = ''
            OR SUBSTR("s"."registered_at", 20) GLOB '.[0-9]*'
            AND NOT SUBSTR("s"."registered_at", 21) GLOB '*[^0-9]*'
          )
        )
        AND DATETIME(
          SUBSTR("s"."registered_at", 1, 10) || ' ' || SUBSTR("s"."registered_at", 12, 8),
          '+0 days'
        ) = SUBSTR("s"."registered_at", 1, 10) || ' ' || SUBSTR("s"."registered_at", 12, 8)
        THEN CASE
          WHEN RTRIM(SUBSTR("s"."registered_at", 21), '0') = ''
          THEN SUBSTR("s"."registered_at", 1, 10) || ' ' || SUBSTR("s"."registered_at", 12, 8)
          ELSE SUBSTR("s"."registered_at", 1, 10) || ' ' || SUBSTR("s"."registered_at", 12, 8) || '.' || SUBSTR(SUBSTR("s"."registered_at", 21) || '000000', 1, 6)
        END
        ELSE NULL
      END < '2026-11-01 00:00:00'
    )
  UNION
  SELECT
    'member' AS "kind",
    CAST(CASE
      WHEN CASE
        WHEN "s"."user_id" < CAST(1e+19 AS REAL)
        AND "s"."user_id" > (
          -CAST(1e+19 AS REAL)
        )
        THEN CASE
          WHEN "s"."user_id" >= (
            -9223372036854775808
          )
          AND "s"."user_id" < 9223372036854775808
          THEN "s"."user_id" = FLOOR("s"."user_id")
          ELSE FALSE
        END
        ELSE FALSE
      END
      THEN CAST("s"."user_id" AS INTEGER)
    END AS TEXT) AS "id",
    0 AS "pref"
  FROM "wechat_bindings" AS "s"
  WHERE
    NOT (
      CAST(CASE
        WHEN CASE
          WHEN "s"."user_id" < CAST(1e+19 AS REAL)
          AND "s"."user_id" > (
            -CAST(1e+19 AS REAL)
          )
          THEN CASE
            WHEN "s"."user_id" >= (
              -9223372036854775808
            )
            AND "s"."user_id" < 9223372036854775808
            THEN "s"."user_id" = FLOOR("s"."user_id")
            ELSE FALSE
          END
          ELSE FALSE
        END
        THEN CAST("s"."user_id" AS INTEGER)
      END AS TEXT) IS NULL
    )
    AND CASE
      WHEN "s"."bound_at" GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'
      AND DATETIME("s"."bound_at" || ' 00:00:00', '+0 days') = "s"."bound_at" || ' 00:00:00'
      THEN "s"."bound_at" || ' 00:00:00'
      WHEN "s"."bound_at" GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][ T][0-9][0-9]:[0-9][0-9]'
      AND DATETIME(
        SUBSTR("s"."bound_at", 1, 10) || ' ' || SUBSTR("s"."bound_at", 12, 5) || ':00',
        '+0 days'
      ) = SUBSTR("s"."bound_at", 1, 10) || ' ' || SUBSTR("s"."bound_at", 12, 5) || ':00'
      THEN SUBSTR("s"."bound_at", 1, 10) || ' ' || SUBSTR("s"."bound_at", 12, 5) || ':00'
      WHEN (
        SUBSTR("s"."bound_at", 1, 19) GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][ T][0-9][0-9]:[0-9][0-9]:[0-9][0-9]'
        AND (
          SUBSTR("s"."bound_at", 20) = ''
          OR SUBSTR("s"."bound_at", 20) GLOB '.[0-9]*'
          AND NOT SUBSTR("s"."bound_at", 21) GLOB '*[^0-9]*'
        )
      )
      AND DATETIME(SUBSTR("s"."bound_at", 1, 10) || ' ' || SUBSTR("s"."bound_at", 12, 8), '+0 days') = SUBSTR("s"."bound_at", 1, 10) || ' ' || SUBSTR("s"."bound_at", 12, 8)
      THEN CASE
        WHEN RTRIM(SUBSTR("s"."bound_at", 21), '0') = ''
        THEN SUBSTR("s"."bound_at", 1, 10) || ' ' || SUBSTR("s"."bound_at", 12, 8)
        ELSE SUBSTR("s"."bound_at", 1, 10) || ' ' || SUBSTR("s"."bound_at", 12, 8) || '.' || SUBSTR(SUBSTR("s"."bound_at", 21) || '000000', 1, 6)
      END
      ELSE NULL
    END < '2026-11-01 00:00:00'
  UNION
  SELECT
    'openid' AS "kind",
    CAST("s"."openid" AS TEXT) AS "id",
    1 AS "pref"
  FROM "wechat_bindings" AS "s"
  WHERE
    NOT (
      CAST("s"."openid" AS TEXT) IS NULL
    )
    AND CASE
      WHEN "s"."bound_at" GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'
      AND DATETIME("s"."bound_at" || ' 00:00:00', '+0 days') = "s"."bound_at" || ' 00:00:00'
      THEN "s"."bound_at" || ' 00:00:00'
      WHEN "s"."bound_at" GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][ T][0-9][0-9]:[0-9][0-9]'
      AND DATETIME(
        SUBSTR("s"."bound_at", 1, 10) || ' ' || SUBSTR("s"."bound_at", 12, 5) || ':00',
        '+0 days'
      ) = SUBSTR("s"."bound_at", 1, 10) || ' ' || SUBSTR("s"."bound_at", 12, 5) || ':00'
      THEN SUBSTR("s"."bound_at", 1, 10) || ' ' || SUBSTR("s"."bound_at", 12, 5) || ':00'
      WHEN (
        SUBSTR("s"."bound_at", 1, 19) GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][ T][0-9][0-9]:[0-9][0-9]:[0-9][0-9]'
        AND (
          SUBSTR("s"."bound_at", 20) = ''
          OR SUBSTR("s"."bound_at", 20) GLOB '.[0-9]*'
          AND NOT SUBSTR("s"."bound_at", 21) GLOB '*[^0-9]*'
        )
      )
      AND DATETIME(SUBSTR("s"."bound_at", 1, 10) || ' ' || SUBSTR("s"."bound_at", 12, 8), '+0 days') = SUBSTR("s"."bound_at", 1, 10) || ' ' || SUBSTR("s"."bound_at", 12, 8)
      THEN CASE
        WHEN RTRIM(SUBSTR("s"."bound_at", 21), '0') = ''
        THEN SUBSTR("s"."bound_at", 1, 10) || ' ' || SUBSTR("s"."bound_at", 12, 8)
        ELSE SUBSTR("s"."bound_at", 1, 10) || ' ' || SUBSTR("s"."bound_at", 12, 8) || '.' || SUBSTR(SUBSTR("s"."bound_at", 21) || '000000', 1, 6)
      END
      ELSE NULL
    END < '2026-11-01 00:00:00'
  UNION
  SELECT
    'device' AS "kind",
    CAST("s"."device_id" AS TEXT) AS "id",
    2 AS "pref"
  FROM "app_events" AS "s"
  WHERE
    NOT (
      CAST("s"."device_id" AS TEXT) IS NULL
    )
    AND CASE
      WHEN "s"."ts" GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'
      AND DATETIME("s"."ts" || ' 00:00:00', '+0 days') = "s"."ts" || ' 00:00:00'
      THEN "s"."ts" || ' 00:00:00'
      WHEN "s"."ts" GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][ T][0-9][0-9]:[0-9][0-9]'
      AND DATETIME(SUBSTR("s"."ts", 1, 10) || ' ' || SUBSTR("s"."ts", 12, 5) || ':00', '+0 days') = SUBSTR("s"."ts", 1, 10) || ' ' || SUBSTR("s"."ts", 12, 5) || ':00'
      THEN SUBSTR("s"."ts", 1, 10) || ' ' || SUBSTR("s"."ts", 12, 5) || ':00'
      WHEN (
        SUBSTR("s"."ts", 1, 19) GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][ T][0-9][0-9]:[0-9][0-9]:[0-9][0-9]'
        AND (
          SUBSTR("s"."ts", 20) = ''
          OR SUBSTR("s"."ts", 20) GLOB '.[0-9]*'
          AND NOT SUBSTR("s"."ts", 21) GLOB '*[^0-9]*'
        )
      )
      AND DATETIME(SUBSTR("s"."ts", 1, 10) || ' ' || SUBSTR("s"."ts", 12, 8), '+0 days') = SUBSTR("s"."ts", 1, 10) || ' ' || SUBSTR("s"."ts", 12, 8)
      THEN CASE
        WHEN RTRIM(SUBSTR("s"."ts", 21), '0') = ''
        THEN SUBSTR("s"."ts", 1, 10) || ' ' || SUBSTR("s"."ts", 12, 8)
        ELSE SUBSTR("s"."ts", 1, 10) || ' ' || SUBSTR("s"."ts", 12, 8) || '.' || SUBSTR(SUBSTR("s"."ts", 21) || '000000', 1, 6)
      END
      ELSE NULL
    END < '2026-11-01 00:00:00'
  UNION
  SELECT
    'openid' AS "kind",
    CAST("s"."openid" AS TEXT) AS "id",
    1 AS "pref"
  FROM "app_events" AS "s"
  WHERE
    NOT (
      CAST("s"."openid" AS TEXT) IS NULL
    )
    AND CASE
      WHEN "s"."ts" GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'
      AND DATETIME("s"."ts" || ' 00:00:00', '+0 days') = "s"."ts" || ' 00:00:00'
      THEN "s"."ts" || ' 00:00:00'
      WHEN "s"."ts" GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][ T][0-9][0-9]:[0-9][0-9]'
      AND DATETIME(SUBSTR("s"."ts", 1, 10) || ' ' || SUBSTR("s"."ts", 12, 5) || ':00', '+0 days') = SUBSTR("s"."ts", 1, 10) || ' ' || SUBSTR("s"."ts", 12, 5) || ':00'
      THEN SUBSTR("s"."ts", 1, 10) || ' ' || SUBSTR("s"."ts", 12, 5) || ':00'
      WHEN (
        SUBSTR("s"."ts", 1, 19) GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][ T][0-9][0-9]:[0-9][0-9]:[0-9][0-9]'
        AND (
          SUBSTR("s"."ts", 20) = ''
          OR SUBSTR("s"."ts", 20) GLOB '.[0-9]*'
          AND NOT SUBSTR("s"."ts", 21) GLOB '*[^0-9]*'
        )
      )
      AND DATETIME(SUBSTR("s"."ts", 1, 10) || ' ' || SUBSTR("s"."ts", 12, 8), '+0 days') = SUBSTR("s"."ts", 1, 10) || ' ' || SUBSTR("s"."ts", 12, 8)
      THEN CASE
        WHEN RTRIM(SUBSTR("s"."ts", 21), '0') = ''
        THEN SUBSTR("s"."ts", 1, 10) || ' ' || SUBSTR("s"."ts", 12, 8)
        ELSE SUBSTR("s"."ts", 1, 10) || ' ' || SUBSTR("s"."ts", 12, 8) || '.' || SUBSTR(SUBSTR("s"."ts", 21) || '000000', 1, 6)
      END
      ELSE NULL
    END < '2026-11-01 00:00:00'
) AS "i";

CREATE TEMPORARY TABLE "segl_retail_id_shared" AS
SELECT
  "n",
  COUNT(*) AS "links"
FROM (
  SELECT
    "a" AS "n"
  FROM "segl_retail_id_links"
  UNION ALL
  SELECT
    "b" AS "n"
  FROM "segl_retail_id_links"
) AS "d"
GROUP BY
  "n"
HAVING
  COUNT(*) > 20;

CREATE TEMPORARY TABLE "segl_retail_id_e0" AS
SELECT
  "a",
  "b"
FROM "segl_retail_id_links"
WHERE
  NOT "a" IN (
    SELECT
      "n"
    FROM "segl_retail_id_shared"
  )
  AND NOT "b" IN (
    SELECT
      "n"
    FROM "segl_retail_id_shared"
  );

CREATE TEMPORARY TABLE "segl_retail_id_e1" AS
SELECT DISTINCT
  "n"."v" AS "a",
  CASE WHEN "m"."u" < "m"."mv" THEN "m"."u" ELSE "m"."mv" END AS "b"
FROM (
  SELECT
    "a" AS "u",
    "b" AS "v"
  FROM "segl_retail_id_e0"
  UNION ALL
  SELECT
    "b" AS "u",
    "a" AS "v"
  FROM "segl_retail_id_e0"
) AS "n"
INNER JOIN (
  SELECT
    "u",
    MIN("v") AS "mv"
  FROM (
    SELECT
      "a" AS "u",
      "b" AS "v"
    FROM "segl_retail_id_e0"
    UNION ALL
    SELECT
      "b" AS "u",
      "a" AS "v"
    FROM "segl_retail_id_e0"
  ) AS "nb"
  GROUP BY
    "u"
) AS "m"
  ON "m"."u" = "n"."u"
WHERE
  "n"."u" < "n"."v";

CREATE TEMPORARY TABLE "segl_retail_id_e2" AS
SELECT DISTINCT
  "a",
  "b"
FROM (
  SELECT
    "e"."b" AS "a",
    "m"."mv" AS "b"
  FROM "segl_retail_id_e1" AS "e"
  INNER JOIN (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e1"
    GROUP BY
      "a"
  ) AS "m"
    ON "m"."u" = "e"."a"
  WHERE
    "e"."b" <> "m"."mv"
  UNION ALL
  SELECT
    "u" AS "a",
    "mv" AS "b"
  FROM (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e1"
    GROUP BY
      "a"
  ) AS "c"
) AS "s";

DROP TABLE IF EXISTS "segl_retail_id_e1";

DROP TABLE IF EXISTS "segl_retail_id_e0";

CREATE TEMPORARY TABLE "segl_retail_id_e3" AS
SELECT DISTINCT
  "n"."v" AS "a",
  CASE WHEN "m"."u" < "m"."mv" THEN "m"."u" ELSE "m"."mv" END AS "b"
FROM (
  SELECT
    "a" AS "u",
    "b" AS "v"
  FROM "segl_retail_id_e2"
  UNION ALL
  SELECT
    "b" AS "u",
    "a" AS "v"
  FROM "segl_retail_id_e2"
) AS "n"
INNER JOIN (
  SELECT
    "u",
    MIN("v") AS "mv"
  FROM (
    SELECT
      "a" AS "u",
      "b" AS "v"
    FROM "segl_retail_id_e2"
    UNION ALL
    SELECT
      "b" AS "u",
      "a" AS "v"
    FROM "segl_retail_id_e2"
  ) AS "nb"
  GROUP BY
    "u"
) AS "m"
  ON "m"."u" = "n"."u"
WHERE
  "n"."u" < "n"."v";

CREATE TEMPORARY TABLE "segl_retail_id_e4" AS
SELECT DISTINCT
  "a",
  "b"
FROM (
  SELECT
    "e"."b" AS "a",
    "m"."mv" AS "b"
  FROM "segl_retail_id_e3" AS "e"
  INNER JOIN (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e3"
    GROUP BY
      "a"
  ) AS "m"
    ON "m"."u" = "e"."a"
  WHERE
    "e"."b" <> "m"."mv"
  UNION ALL
  SELECT
    "u" AS "a",
    "mv" AS "b"
  FROM (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e3"
    GROUP BY
      "a"
  ) AS "c"
) AS "s";

DROP TABLE IF EXISTS "segl_retail_id_e3";

DROP TABLE IF EXISTS "segl_retail_id_e2";

CREATE TEMPORARY TABLE "segl_retail_id_e5" AS
SELECT DISTINCT
  "n"."v" AS "a",
  CASE WHEN "m"."u" < "m"."mv" THEN "m"."u" ELSE "m"."mv" END AS "b"
FROM (
  SELECT
    "a" AS "u",
    "b" AS "v"
  FROM "segl_retail_id_e4"
  UNION ALL
  SELECT
    "b" AS "u",
    "a" AS "v"
  FROM "segl_retail_id_e4"
) AS "n"
INNER JOIN (
  SELECT
    "u",
    MIN("v") AS "mv"
  FROM (
    SELECT
      "a" AS "u",
      "b" AS "v"
    FROM "segl_retail_id_e4"
    UNION ALL
    SELECT
      "b" AS "u",
      "a" AS "v"
    FROM "segl_retail_id_e4"
  ) AS "nb"
  GROUP BY
    "u"
) AS "m"
  ON "m"."u" = "n"."u"
WHERE
  "n"."u" < "n"."v";

CREATE TEMPORARY TABLE "segl_retail_id_e6" AS
SELECT DISTINCT
  "a",
  "b"
FROM (
  SELECT
    "e"."b" AS "a",
    "m"."mv" AS "b"
  FROM "segl_retail_id_e5" AS "e"
  INNER JOIN (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e5"
    GROUP BY
      "a"
  ) AS "m"
    ON "m"."u" = "e"."a"
  WHERE
    "e"."b" <> "m"."mv"
  UNION ALL
  SELECT
    "u" AS "a",
    "mv" AS "b"
  FROM (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e5"
    GROUP BY
      "a"
  ) AS "c"
) AS "s";

DROP TABLE IF EXISTS "segl_retail_id_e5";

DROP TABLE IF EXISTS "segl_retail_id_e4";

CREATE TEMPORARY TABLE "segl_retail_id_e7" AS
SELECT DISTINCT
  "n"."v" AS "a",
  CASE WHEN "m"."u" < "m"."mv" THEN "m"."u" ELSE "m"."mv" END AS "b"
FROM (
  SELECT
    "a" AS "u",
    "b" AS "v"
  FROM "segl_retail_id_e6"
  UNION ALL
  SELECT
    "b" AS "u",
    "a" AS "v"
  FROM "segl_retail_id_e6"
) AS "n"
INNER JOIN (
  SELECT
    "u",
    MIN("v") AS "mv"
  FROM (
    SELECT
      "a" AS "u",
      "b" AS "v"
    FROM "segl_retail_id_e6"
    UNION ALL
    SELECT
      "b" AS "u",
      "a" AS "v"
    FROM "segl_retail_id_e6"
  ) AS "nb"
  GROUP BY
    "u"
) AS "m"
  ON "m"."u" = "n"."u"
WHERE
  "n"."u" < "n"."v";

CREATE TEMPORARY TABLE "segl_retail_id_e8" AS
SELECT DISTINCT
  "a",
  "b"
FROM (
  SELECT
    "e"."b" AS "a",
    "m"."mv" AS "b"
  FROM "segl_retail_id_e7" AS "e"
  INNER JOIN (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e7"
    GROUP BY
      "a"
  ) AS "m"
    ON "m"."u" = "e"."a"
  WHERE
    "e"."b" <> "m"."mv"
  UNION ALL
  SELECT
    "u" AS "a",
    "mv" AS "b"
  FROM (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e7"
    GROUP BY
      "a"
  ) AS "c"
) AS "s";

DROP TABLE IF EXISTS "segl_retail_id_e7";

DROP TABLE IF EXISTS "segl_retail_id_e6";

CREATE TEMPORARY TABLE "segl_retail_id_e9" AS
SELECT DISTINCT
  "n"."v" AS "a",
  CASE WHEN "m"."u" < "m"."mv" THEN "m"."u" ELSE "m"."mv" END AS "b"
FROM (
  SELECT
    "a" AS "u",
    "b" AS "v"
  FROM "segl_retail_id_e8"
  UNION ALL
  SELECT
    "b" AS "u",
    "a" AS "v"
  FROM "segl_retail_id_e8"
) AS "n"
INNER JOIN (
  SELECT
    "u",
    MIN("v") AS "mv"
  FROM (
    SELECT
      "a" AS "u",
      "b" AS "v"
    FROM "segl_retail_id_e8"
    UNION ALL
    SELECT
      "b" AS "u",
      "a" AS "v"
    FROM "segl_retail_id_e8"
  ) AS "nb"
  GROUP BY
    "u"
) AS "m"
  ON "m"."u" = "n"."u"
WHERE
  "n"."u" < "n"."v";

CREATE TEMPORARY TABLE "segl_retail_id_e10" AS
SELECT DISTINCT
  "a",
  "b"
FROM (
  SELECT
    "e"."b" AS "a",
    "m"."mv" AS "b"
  FROM "segl_retail_id_e9" AS "e"
  INNER JOIN (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e9"
    GROUP BY
      "a"
  ) AS "m"
    ON "m"."u" = "e"."a"
  WHERE
    "e"."b" <> "m"."mv"
  UNION ALL
  SELECT
    "u" AS "a",
    "mv" AS "b"
  FROM (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e9"
    GROUP BY
      "a"
  ) AS "c"
) AS "s";

DROP TABLE IF EXISTS "segl_retail_id_e9";

DROP TABLE IF EXISTS "segl_retail_id_e8";

CREATE TEMPORARY TABLE "segl_retail_id_e11" AS
SELECT DISTINCT
  "n"."v" AS "a",
  CASE WHEN "m"."u" < "m"."mv" THEN "m"."u" ELSE "m"."mv" END AS "b"
FROM (
  SELECT
    "a" AS "u",
    "b" AS "v"
  FROM "segl_retail_id_e10"
  UNION ALL
  SELECT
    "b" AS "u",
    "a" AS "v"
  FROM "segl_retail_id_e10"
) AS "n"
INNER JOIN (
  SELECT
    "u",
    MIN("v") AS "mv"
  FROM (
    SELECT
      "a" AS "u",
      "b" AS "v"
    FROM "segl_retail_id_e10"
    UNION ALL
    SELECT
      "b" AS "u",
      "a" AS "v"
    FROM "segl_retail_id_e10"
  ) AS "nb"
  GROUP BY
    "u"
) AS "m"
  ON "m"."u" = "n"."u"
WHERE
  "n"."u" < "n"."v";

CREATE TEMPORARY TABLE "segl_retail_id_e12" AS
SELECT DISTINCT
  "a",
  "b"
FROM (
  SELECT
    "e"."b" AS "a",
    "m"."mv" AS "b"
  FROM "segl_retail_id_e11" AS "e"
  INNER JOIN (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e11"
    GROUP BY
      "a"
  ) AS "m"
    ON "m"."u" = "e"."a"
  WHERE
    "e"."b" <> "m"."mv"
  UNION ALL
  SELECT
    "u" AS "a",
    "mv" AS "b"
  FROM (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e11"
    GROUP BY
      "a"
  ) AS "c"
) AS "s";

DROP TABLE IF EXISTS "segl_retail_id_e11";

DROP TABLE IF EXISTS "segl_retail_id_e10";

CREATE TEMPORARY TABLE "segl_retail_id_e13" AS
SELECT DISTINCT
  "n"."v" AS "a",
  CASE WHEN "m"."u" < "m"."mv" THEN "m"."u" ELSE "m"."mv" END AS "b"
FROM (
  SELECT
    "a" AS "u",
    "b" AS "v"
  FROM "segl_retail_id_e12"
  UNION ALL
  SELECT
    "b" AS "u",
    "a" AS "v"
  FROM "segl_retail_id_e12"
) AS "n"
INNER JOIN (
  SELECT
    "u",
    MIN("v") AS "mv"
  FROM (
    SELECT
      "a" AS "u",
      "b" AS "v"
    FROM "segl_retail_id_e12"
    UNION ALL
    SELECT
      "b" AS "u",
      "a" AS "v"
    FROM "segl_retail_id_e12"
  ) AS "nb"
  GROUP BY
    "u"
) AS "m"
  ON "m"."u" = "n"."u"
WHERE
  "n"."u" < "n"."v";

CREATE TEMPORARY TABLE "segl_retail_id_e14" AS
SELECT DISTINCT
  "a",
  "b"
FROM (
  SELECT
    "e"."b" AS "a",
    "m"."mv" AS "b"
  FROM "segl_retail_id_e13" AS "e"
  INNER JOIN (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e13"
    GROUP BY
      "a"
  ) AS "m"
    ON "m"."u" = "e"."a"
  WHERE
    "e"."b" <> "m"."mv"
  UNION ALL
  SELECT
    "u" AS "a",
    "mv" AS "b"
  FROM (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e13"
    GROUP BY
      "a"
  ) AS "c"
) AS "s";

DROP TABLE IF EXISTS "segl_retail_id_e13";

DROP TABLE IF EXISTS "segl_retail_id_e12";

CREATE TEMPORARY TABLE "segl_retail_id_e15" AS
SELECT DISTINCT
  "n"."v" AS "a",
  CASE WHEN "m"."u" < "m"."mv" THEN "m"."u" ELSE "m"."mv" END AS "b"
FROM (
  SELECT
    "a" AS "u",
    "b" AS "v"
  FROM "segl_retail_id_e14"
  UNION ALL
  SELECT
    "b" AS "u",
    "a" AS "v"
  FROM "segl_retail_id_e14"
) AS "n"
INNER JOIN (
  SELECT
    "u",
    MIN("v") AS "mv"
  FROM (
    SELECT
      "a" AS "u",
      "b" AS "v"
    FROM "segl_retail_id_e14"
    UNION ALL
    SELECT
      "b" AS "u",
      "a" AS "v"
    FROM "segl_retail_id_e14"
  ) AS "nb"
  GROUP BY
    "u"
) AS "m"
  ON "m"."u" = "n"."u"
WHERE
  "n"."u" < "n"."v";

CREATE TEMPORARY TABLE "segl_retail_id_e16" AS
SELECT DISTINCT
  "a",
  "b"
FROM (
  SELECT
    "e"."b" AS "a",
    "m"."mv" AS "b"
  FROM "segl_retail_id_e15" AS "e"
  INNER JOIN (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e15"
    GROUP BY
      "a"
  ) AS "m"
    ON "m"."u" = "e"."a"
  WHERE
    "e"."b" <> "m"."mv"
  UNION ALL
  SELECT
    "u" AS "a",
    "mv" AS "b"
  FROM (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e15"
    GROUP BY
      "a"
  ) AS "c"
) AS "s";

DROP TABLE IF EXISTS "segl_retail_id_e15";

DROP TABLE IF EXISTS "segl_retail_id_e14";

CREATE TEMPORARY TABLE "segl_retail_id_e17" AS
SELECT DISTINCT
  "n"."v" AS "a",
  CASE WHEN "m"."u" < "m"."mv" THEN "m"."u" ELSE "m"."mv" END AS "b"
FROM (
  SELECT
    "a" AS "u",
    "b" AS "v"
  FROM "segl_retail_id_e16"
  UNION ALL
  SELECT
    "b" AS "u",
    "a" AS "v"
  FROM "segl_retail_id_e16"
) AS "n"
INNER JOIN (
  SELECT
    "u",
    MIN("v") AS "mv"
  FROM (
    SELECT
      "a" AS "u",
      "b" AS "v"
    FROM "segl_retail_id_e16"
    UNION ALL
    SELECT
      "b" AS "u",
      "a" AS "v"
    FROM "segl_retail_id_e16"
  ) AS "nb"
  GROUP BY
    "u"
) AS "m"
  ON "m"."u" = "n"."u"
WHERE
  "n"."u" < "n"."v";

CREATE TEMPORARY TABLE "segl_retail_id_e18" AS
SELECT DISTINCT
  "a",
  "b"
FROM (
  SELECT
    "e"."b" AS "a",
    "m"."mv" AS "b"
  FROM "segl_retail_id_e17" AS "e"
  INNER JOIN (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e17"
    GROUP BY
      "a"
  ) AS "m"
    ON "m"."u" = "e"."a"
  WHERE
    "e"."b" <> "m"."mv"
  UNION ALL
  SELECT
    "u" AS "a",
    "mv" AS "b"
  FROM (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e17"
    GROUP BY
      "a"
  ) AS "c"
) AS "s";

DROP TABLE IF EXISTS "segl_retail_id_e17";

DROP TABLE IF EXISTS "segl_retail_id_e16";

CREATE TEMPORARY TABLE "segl_retail_id_e19" AS
SELECT DISTINCT
  "n"."v" AS "a",
  CASE WHEN "m"."u" < "m"."mv" THEN "m"."u" ELSE "m"."mv" END AS "b"
FROM (
  SELECT
    "a" AS "u",
    "b" AS "v"
  FROM "segl_retail_id_e18"
  UNION ALL
  SELECT
    "b" AS "u",
    "a" AS "v"
  FROM "segl_retail_id_e18"
) AS "n"
INNER JOIN (
  SELECT
    "u",
    MIN("v") AS "mv"
  FROM (
    SELECT
      "a" AS "u",
      "b" AS "v"
    FROM "segl_retail_id_e18"
    UNION ALL
    SELECT
      "b" AS "u",
      "a" AS "v"
    FROM "segl_retail_id_e18"
  ) AS "nb"
  GROUP BY
    "u"
) AS "m"
  ON "m"."u" = "n"."u"
WHERE
  "n"."u" < "n"."v";

CREATE TEMPORARY TABLE "segl_retail_id_e20" AS
SELECT DISTINCT
  "a",
  "b"
FROM (
  SELECT
    "e"."b" AS "a",
    "m"."mv" AS "b"
  FROM "segl_retail_id_e19" AS "e"
  INNER JOIN (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e19"
    GROUP BY
      "a"
  ) AS "m"
    ON "m"."u" = "e"."a"
  WHERE
    "e"."b" <> "m"."mv"
  UNION ALL
  SELECT
    "u" AS "a",
    "mv" AS "b"
  FROM (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e19"
    GROUP BY
      "a"
  ) AS "c"
) AS "s";

DROP TABLE IF EXISTS "segl_retail_id_e19";

DROP TABLE IF EXISTS "segl_retail_id_e18";

CREATE TEMPORARY TABLE "segl_retail_id_e21" AS
SELECT DISTINCT
  "n"."v" AS "a",
  CASE WHEN "m"."u" < "m"."mv" THEN "m"."u" ELSE "m"."mv" END AS "b"
FROM (
  SELECT
    "a" AS "u",
    "b" AS "v"
  FROM "segl_retail_id_e20"
  UNION ALL
  SELECT
    "b" AS "u",
    "a" AS "v"
  FROM "segl_retail_id_e20"
) AS "n"
INNER JOIN (
  SELECT
    "u",
    MIN("v") AS "mv"
  FROM (
    SELECT
      "a" AS "u",
      "b" AS "v"
    FROM "segl_retail_id_e20"
    UNION ALL
    SELECT
      "b" AS "u",
      "a" AS "v"
    FROM "segl_retail_id_e20"
  ) AS "nb"
  GROUP BY
    "u"
) AS "m"
  ON "m"."u" = "n"."u"
WHERE
  "n"."u" < "n"."v";

CREATE TEMPORARY TABLE "segl_retail_id_e22" AS
SELECT DISTINCT
  "a",
  "b"
FROM (
  SELECT
    "e"."b" AS "a",
    "m"."mv" AS "b"
  FROM "segl_retail_id_e21" AS "e"
  INNER JOIN (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e21"
    GROUP BY
      "a"
  ) AS "m"
    ON "m"."u" = "e"."a"
  WHERE
    "e"."b" <> "m"."mv"
  UNION ALL
  SELECT
    "u" AS "a",
    "mv" AS "b"
  FROM (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e21"
    GROUP BY
      "a"
  ) AS "c"
) AS "s";

DROP TABLE IF EXISTS "segl_retail_id_e21";

DROP TABLE IF EXISTS "segl_retail_id_e20";

CREATE TEMPORARY TABLE "segl_retail_id_e23" AS
SELECT DISTINCT
  "n"."v" AS "a",
  CASE WHEN "m"."u" < "m"."mv" THEN "m"."u" ELSE "m"."mv" END AS "b"
FROM (
  SELECT
    "a" AS "u",
    "b" AS "v"
  FROM "segl_retail_id_e22"
  UNION ALL
  SELECT
    "b" AS "u",
    "a" AS "v"
  FROM "segl_retail_id_e22"
) AS "n"
INNER JOIN (
  SELECT
    "u",
    MIN("v") AS "mv"
  FROM (
    SELECT
      "a" AS "u",
      "b" AS "v"
    FROM "segl_retail_id_e22"
    UNION ALL
    SELECT
      "b" AS "u",
      "a" AS "v"
    FROM "segl_retail_id_e22"
  ) AS "nb"
  GROUP BY
    "u"
) AS "m"
  ON "m"."u" = "n"."u"
WHERE
  "n"."u" < "n"."v";

CREATE TEMPORARY TABLE "segl_retail_id_e24" AS
SELECT DISTINCT
  "a",
  "b"
FROM (
  SELECT
    "e"."b" AS "a",
    "m"."mv" AS "b"
  FROM "segl_retail_id_e23" AS "e"
  INNER JOIN (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e23"
    GROUP BY
      "a"
  ) AS "m"
    ON "m"."u" = "e"."a"
  WHERE
    "e"."b" <> "m"."mv"
  UNION ALL
  SELECT
    "u" AS "a",
    "mv" AS "b"
  FROM (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e23"
    GROUP BY
      "a"
  ) AS "c"
) AS "s";

DROP TABLE IF EXISTS "segl_retail_id_e23";

DROP TABLE IF EXISTS "segl_retail_id_e22";

CREATE TEMPORARY TABLE "segl_retail_id_e25" AS
SELECT DISTINCT
  "n"."v" AS "a",
  CASE WHEN "m"."u" < "m"."mv" THEN "m"."u" ELSE "m"."mv" END AS "b"
FROM (
  SELECT
    "a" AS "u",
    "b" AS "v"
  FROM "segl_retail_id_e24"
  UNION ALL
  SELECT
    "b" AS "u",
    "a" AS "v"
  FROM "segl_retail_id_e24"
) AS "n"
INNER JOIN (
  SELECT
    "u",
    MIN("v") AS "mv"
  FROM (
    SELECT
      "a" AS "u",
      "b" AS "v"
    FROM "segl_retail_id_e24"
    UNION ALL
    SELECT
      "b" AS "u",
      "a" AS "v"
    FROM "segl_retail_id_e24"
  ) AS "nb"
  GROUP BY
    "u"
) AS "m"
  ON "m"."u" = "n"."u"
WHERE
  "n"."u" < "n"."v";

CREATE TEMPORARY TABLE "segl_retail_id_e26" AS
SELECT DISTINCT
  "a",
  "b"
FROM (
  SELECT
    "e"."b" AS "a",
    "m"."mv" AS "b"
  FROM "segl_retail_id_e25" AS "e"
  INNER JOIN (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e25"
    GROUP BY
      "a"
  ) AS "m"
    ON "m"."u" = "e"."a"
  WHERE
    "e"."b" <> "m"."mv"
  UNION ALL
  SELECT
    "u" AS "a",
    "mv" AS "b"
  FROM (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e25"
    GROUP BY
      "a"
  ) AS "c"
) AS "s";

DROP TABLE IF EXISTS "segl_retail_id_e25";

DROP TABLE IF EXISTS "segl_retail_id_e24";

CREATE TEMPORARY TABLE "segl_retail_id_e27" AS
SELECT DISTINCT
  "n"."v" AS "a",
  CASE WHEN "m"."u" < "m"."mv" THEN "m"."u" ELSE "m"."mv" END AS "b"
FROM (
  SELECT
    "a" AS "u",
    "b" AS "v"
  FROM "segl_retail_id_e26"
  UNION ALL
  SELECT
    "b" AS "u",
    "a" AS "v"
  FROM "segl_retail_id_e26"
) AS "n"
INNER JOIN (
  SELECT
    "u",
    MIN("v") AS "mv"
  FROM (
    SELECT
      "a" AS "u",
      "b" AS "v"
    FROM "segl_retail_id_e26"
    UNION ALL
    SELECT
      "b" AS "u",
      "a" AS "v"
    FROM "segl_retail_id_e26"
  ) AS "nb"
  GROUP BY
    "u"
) AS "m"
  ON "m"."u" = "n"."u"
WHERE
  "n"."u" < "n"."v";

CREATE TEMPORARY TABLE "segl_retail_id_e28" AS
SELECT DISTINCT
  "a",
  "b"
FROM (
  SELECT
    "e"."b" AS "a",
    "m"."mv" AS "b"
  FROM "segl_retail_id_e27" AS "e"
  INNER JOIN (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e27"
    GROUP BY
      "a"
  ) AS "m"
    ON "m"."u" = "e"."a"
  WHERE
    "e"."b" <> "m"."mv"
  UNION ALL
  SELECT
    "u" AS "a",
    "mv" AS "b"
  FROM (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e27"
    GROUP BY
      "a"
  ) AS "c"
) AS "s";

DROP TABLE IF EXISTS "segl_retail_id_e27";

DROP TABLE IF EXISTS "segl_retail_id_e26";

CREATE TEMPORARY TABLE "segl_retail_id_e29" AS
SELECT DISTINCT
  "n"."v" AS "a",
  CASE WHEN "m"."u" < "m"."mv" THEN "m"."u" ELSE "m"."mv" END AS "b"
FROM (
  SELECT
    "a" AS "u",
    "b" AS "v"
  FROM "segl_retail_id_e28"
  UNION ALL
  SELECT
    "b" AS "u",
    "a" AS "v"
  FROM "segl_retail_id_e28"
) AS "n"
INNER JOIN (
  SELECT
    "u",
    MIN("v") AS "mv"
  FROM (
    SELECT
      "a" AS "u",
      "b" AS "v"
    FROM "segl_retail_id_e28"
    UNION ALL
    SELECT
      "b" AS "u",
      "a" AS "v"
    FROM "segl_retail_id_e28"
  ) AS "nb"
  GROUP BY
    "u"
) AS "m"
  ON "m"."u" = "n"."u"
WHERE
  "n"."u" < "n"."v";

CREATE TEMPORARY TABLE "segl_retail_id_e30" AS
SELECT DISTINCT
  "a",
  "b"
FROM (
  SELECT
    "e"."b" AS "a",
    "m"."mv" AS "b"
  FROM "segl_retail_id_e29" AS "e"
  INNER JOIN (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e29"
    GROUP BY
      "a"
  ) AS "m"
    ON "m"."u" = "e"."a"
  WHERE
    "e"."b" <> "m"."mv"
  UNION ALL
  SELECT
    "u" AS "a",
    "mv" AS "b"
  FROM (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e29"
    GROUP BY
      "a"
  ) AS "c"
) AS "s";

DROP TABLE IF EXISTS "segl_retail_id_e29";

DROP TABLE IF EXISTS "segl_retail_id_e28";

CREATE TEMPORARY TABLE "segl_retail_id_e31" AS
SELECT DISTINCT
  "n"."v" AS "a",
  CASE WHEN "m"."u" < "m"."mv" THEN "m"."u" ELSE "m"."mv" END AS "b"
FROM (
  SELECT
    "a" AS "u",
    "b" AS "v"
  FROM "segl_retail_id_e30"
  UNION ALL
  SELECT
    "b" AS "u",
    "a" AS "v"
  FROM "segl_retail_id_e30"
) AS "n"
INNER JOIN (
  SELECT
    "u",
    MIN("v") AS "mv"
  FROM (
    SELECT
      "a" AS "u",
      "b" AS "v"
    FROM "segl_retail_id_e30"
    UNION ALL
    SELECT
      "b" AS "u",
      "a" AS "v"
    FROM "segl_retail_id_e30"
  ) AS "nb"
  GROUP BY
    "u"
) AS "m"
  ON "m"."u" = "n"."u"
WHERE
  "n"."u" < "n"."v";

CREATE TEMPORARY TABLE "segl_retail_id_e32" AS
SELECT DISTINCT
  "a",
  "b"
FROM (
  SELECT
    "e"."b" AS "a",
    "m"."mv" AS "b"
  FROM "segl_retail_id_e31" AS "e"
  INNER JOIN (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e31"
    GROUP BY
      "a"
  ) AS "m"
    ON "m"."u" = "e"."a"
  WHERE
    "e"."b" <> "m"."mv"
  UNION ALL
  SELECT
    "u" AS "a",
    "mv" AS "b"
  FROM (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e31"
    GROUP BY
      "a"
  ) AS "c"
) AS "s";

DROP TABLE IF EXISTS "segl_retail_id_e31";

DROP TABLE IF EXISTS "segl_retail_id_e30";

CREATE TEMPORARY TABLE "segl_retail_id_e33" AS
SELECT DISTINCT
  "n"."v" AS "a",
  CASE WHEN "m"."u" < "m"."mv" THEN "m"."u" ELSE "m"."mv" END AS "b"
FROM (
  SELECT
    "a" AS "u",
    "b" AS "v"
  FROM "segl_retail_id_e32"
  UNION ALL
  SELECT
    "b" AS "u",
    "a" AS "v"
  FROM "segl_retail_id_e32"
) AS "n"
INNER JOIN (
  SELECT
    "u",
    MIN("v") AS "mv"
  FROM (
    SELECT
      "a" AS "u",
      "b" AS "v"
    FROM "segl_retail_id_e32"
    UNION ALL
    SELECT
      "b" AS "u",
      "a" AS "v"
    FROM "segl_retail_id_e32"
  ) AS "nb"
  GROUP BY
    "u"
) AS "m"
  ON "m"."u" = "n"."u"
WHERE
  "n"."u" < "n"."v";

CREATE TEMPORARY TABLE "segl_retail_id_e34" AS
SELECT DISTINCT
  "a",
  "b"
FROM (
  SELECT
    "e"."b" AS "a",
    "m"."mv" AS "b"
  FROM "segl_retail_id_e33" AS "e"
  INNER JOIN (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e33"
    GROUP BY
      "a"
  ) AS "m"
    ON "m"."u" = "e"."a"
  WHERE
    "e"."b" <> "m"."mv"
  UNION ALL
  SELECT
    "u" AS "a",
    "mv" AS "b"
  FROM (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e33"
    GROUP BY
      "a"
  ) AS "c"
) AS "s";

DROP TABLE IF EXISTS "segl_retail_id_e33";

DROP TABLE IF EXISTS "segl_retail_id_e32";

CREATE TEMPORARY TABLE "segl_retail_id_e35" AS
SELECT DISTINCT
  "n"."v" AS "a",
  CASE WHEN "m"."u" < "m"."mv" THEN "m"."u" ELSE "m"."mv" END AS "b"
FROM (
  SELECT
    "a" AS "u",
    "b" AS "v"
  FROM "segl_retail_id_e34"
  UNION ALL
  SELECT
    "b" AS "u",
    "a" AS "v"
  FROM "segl_retail_id_e34"
) AS "n"
INNER JOIN (
  SELECT
    "u",
    MIN("v") AS "mv"
  FROM (
    SELECT
      "a" AS "u",
      "b" AS "v"
    FROM "segl_retail_id_e34"
    UNION ALL
    SELECT
      "b" AS "u",
      "a" AS "v"
    FROM "segl_retail_id_e34"
  ) AS "nb"
  GROUP BY
    "u"
) AS "m"
  ON "m"."u" = "n"."u"
WHERE
  "n"."u" < "n"."v";

CREATE TEMPORARY TABLE "segl_retail_id_e36" AS
SELECT DISTINCT
  "a",
  "b"
FROM (
  SELECT
    "e"."b" AS "a",
    "m"."mv" AS "b"
  FROM "segl_retail_id_e35" AS "e"
  INNER JOIN (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e35"
    GROUP BY
      "a"
  ) AS "m"
    ON "m"."u" = "e"."a"
  WHERE
    "e"."b" <> "m"."mv"
  UNION ALL
  SELECT
    "u" AS "a",
    "mv" AS "b"
  FROM (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e35"
    GROUP BY
      "a"
  ) AS "c"
) AS "s";

DROP TABLE IF EXISTS "segl_retail_id_e35";

DROP TABLE IF EXISTS "segl_retail_id_e34";

CREATE TEMPORARY TABLE "segl_retail_id_e37" AS
SELECT DISTINCT
  "n"."v" AS "a",
  CASE WHEN "m"."u" < "m"."mv" THEN "m"."u" ELSE "m"."mv" END AS "b"
FROM (
  SELECT
    "a" AS "u",
    "b" AS "v"
  FROM "segl_retail_id_e36"
  UNION ALL
  SELECT
    "b" AS "u",
    "a" AS "v"
  FROM "segl_retail_id_e36"
) AS "n"
INNER JOIN (
  SELECT
    "u",
    MIN("v") AS "mv"
  FROM (
    SELECT
      "a" AS "u",
      "b" AS "v"
    FROM "segl_retail_id_e36"
    UNION ALL
    SELECT
      "b" AS "u",
      "a" AS "v"
    FROM "segl_retail_id_e36"
  ) AS "nb"
  GROUP BY
    "u"
) AS "m"
  ON "m"."u" = "n"."u"
WHERE
  "n"."u" < "n"."v";

CREATE TEMPORARY TABLE "segl_retail_id_e38" AS
SELECT DISTINCT
  "a",
  "b"
FROM (
  SELECT
    "e"."b" AS "a",
    "m"."mv" AS "b"
  FROM "segl_retail_id_e37" AS "e"
  INNER JOIN (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e37"
    GROUP BY
      "a"
  ) AS "m"
    ON "m"."u" = "e"."a"
  WHERE
    "e"."b" <> "m"."mv"
  UNION ALL
  SELECT
    "u" AS "a",
    "mv" AS "b"
  FROM (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e37"
    GROUP BY
      "a"
  ) AS "c"
) AS "s";

DROP TABLE IF EXISTS "segl_retail_id_e37";

DROP TABLE IF EXISTS "segl_retail_id_e36";

CREATE TEMPORARY TABLE "segl_retail_id_e39" AS
SELECT DISTINCT
  "n"."v" AS "a",
  CASE WHEN "m"."u" < "m"."mv" THEN "m"."u" ELSE "m"."mv" END AS "b"
FROM (
  SELECT
    "a" AS "u",
    "b" AS "v"
  FROM "segl_retail_id_e38"
  UNION ALL
  SELECT
    "b" AS "u",
    "a" AS "v"
  FROM "segl_retail_id_e38"
) AS "n"
INNER JOIN (
  SELECT
    "u",
    MIN("v") AS "mv"
  FROM (
    SELECT
      "a" AS "u",
      "b" AS "v"
    FROM "segl_retail_id_e38"
    UNION ALL
    SELECT
      "b" AS "u",
      "a" AS "v"
    FROM "segl_retail_id_e38"
  ) AS "nb"
  GROUP BY
    "u"
) AS "m"
  ON "m"."u" = "n"."u"
WHERE
  "n"."u" < "n"."v";

CREATE TEMPORARY TABLE "segl_retail_id_e40" AS
SELECT DISTINCT
  "a",
  "b"
FROM (
  SELECT
    "e"."b" AS "a",
    "m"."mv" AS "b"
  FROM "segl_retail_id_e39" AS "e"
  INNER JOIN (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e39"
    GROUP BY
      "a"
  ) AS "m"
    ON "m"."u" = "e"."a"
  WHERE
    "e"."b" <> "m"."mv"
  UNION ALL
  SELECT
    "u" AS "a",
    "mv" AS "b"
  FROM (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e39"
    GROUP BY
      "a"
  ) AS "c"
) AS "s";

DROP TABLE IF EXISTS "segl_retail_id_e39";

DROP TABLE IF EXISTS "segl_retail_id_e38";

CREATE TEMPORARY TABLE "segl_retail_id_e41" AS
SELECT DISTINCT
  "n"."v" AS "a",
  CASE WHEN "m"."u" < "m"."mv" THEN "m"."u" ELSE "m"."mv" END AS "b"
FROM (
  SELECT
    "a" AS "u",
    "b" AS "v"
  FROM "segl_retail_id_e40"
  UNION ALL
  SELECT
    "b" AS "u",
    "a" AS "v"
  FROM "segl_retail_id_e40"
) AS "n"
INNER JOIN (
  SELECT
    "u",
    MIN("v") AS "mv"
  FROM (
    SELECT
      "a" AS "u",
      "b" AS "v"
    FROM "segl_retail_id_e40"
    UNION ALL
    SELECT
      "b" AS "u",
      "a" AS "v"
    FROM "segl_retail_id_e40"
  ) AS "nb"
  GROUP BY
    "u"
) AS "m"
  ON "m"."u" = "n"."u"
WHERE
  "n"."u" < "n"."v";

CREATE TEMPORARY TABLE "segl_retail_id_e42" AS
SELECT DISTINCT
  "a",
  "b"
FROM (
  SELECT
    "e"."b" AS "a",
    "m"."mv" AS "b"
  FROM "segl_retail_id_e41" AS "e"
  INNER JOIN (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e41"
    GROUP BY
      "a"
  ) AS "m"
    ON "m"."u" = "e"."a"
  WHERE
    "e"."b" <> "m"."mv"
  UNION ALL
  SELECT
    "u" AS "a",
    "mv" AS "b"
  FROM (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e41"
    GROUP BY
      "a"
  ) AS "c"
) AS "s";

DROP TABLE IF EXISTS "segl_retail_id_e41";

DROP TABLE IF EXISTS "segl_retail_id_e40";

CREATE TEMPORARY TABLE "segl_retail_id_e43" AS
SELECT DISTINCT
  "n"."v" AS "a",
  CASE WHEN "m"."u" < "m"."mv" THEN "m"."u" ELSE "m"."mv" END AS "b"
FROM (
  SELECT
    "a" AS "u",
    "b" AS "v"
  FROM "segl_retail_id_e42"
  UNION ALL
  SELECT
    "b" AS "u",
    "a" AS "v"
  FROM "segl_retail_id_e42"
) AS "n"
INNER JOIN (
  SELECT
    "u",
    MIN("v") AS "mv"
  FROM (
    SELECT
      "a" AS "u",
      "b" AS "v"
    FROM "segl_retail_id_e42"
    UNION ALL
    SELECT
      "b" AS "u",
      "a" AS "v"
    FROM "segl_retail_id_e42"
  ) AS "nb"
  GROUP BY
    "u"
) AS "m"
  ON "m"."u" = "n"."u"
WHERE
  "n"."u" < "n"."v";

CREATE TEMPORARY TABLE "segl_retail_id_e44" AS
SELECT DISTINCT
  "a",
  "b"
FROM (
  SELECT
    "e"."b" AS "a",
    "m"."mv" AS "b"
  FROM "segl_retail_id_e43" AS "e"
  INNER JOIN (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e43"
    GROUP BY
      "a"
  ) AS "m"
    ON "m"."u" = "e"."a"
  WHERE
    "e"."b" <> "m"."mv"
  UNION ALL
  SELECT
    "u" AS "a",
    "mv" AS "b"
  FROM (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e43"
    GROUP BY
      "a"
  ) AS "c"
) AS "s";

DROP TABLE IF EXISTS "segl_retail_id_e43";

DROP TABLE IF EXISTS "segl_retail_id_e42";

CREATE TEMPORARY TABLE "segl_retail_id_e45" AS
SELECT DISTINCT
  "n"."v" AS "a",
  CASE WHEN "m"."u" < "m"."mv" THEN "m"."u" ELSE "m"."mv" END AS "b"
FROM (
  SELECT
    "a" AS "u",
    "b" AS "v"
  FROM "segl_retail_id_e44"
  UNION ALL
  SELECT
    "b" AS "u",
    "a" AS "v"
  FROM "segl_retail_id_e44"
) AS "n"
INNER JOIN (
  SELECT
    "u",
    MIN("v") AS "mv"
  FROM (
    SELECT
      "a" AS "u",
      "b" AS "v"
    FROM "segl_retail_id_e44"
    UNION ALL
    SELECT
      "b" AS "u",
      "a" AS "v"
    FROM "segl_retail_id_e44"
  ) AS "nb"
  GROUP BY
    "u"
) AS "m"
  ON "m"."u" = "n"."u"
WHERE
  "n"."u" < "n"."v";

CREATE TEMPORARY TABLE "segl_retail_id_e46" AS
SELECT DISTINCT
  "a",
  "b"
FROM (
  SELECT
    "e"."b" AS "a",
    "m"."mv" AS "b"
  FROM "segl_retail_id_e45" AS "e"
  INNER JOIN (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e45"
    GROUP BY
      "a"
  ) AS "m"
    ON "m"."u" = "e"."a"
  WHERE
    "e"."b" <> "m"."mv"
  UNION ALL
  SELECT
    "u" AS "a",
    "mv" AS "b"
  FROM (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e45"
    GROUP BY
      "a"
  ) AS "c"
) AS "s";

DROP TABLE IF EXISTS "segl_retail_id_e45";

DROP TABLE IF EXISTS "segl_retail_id_e44";

CREATE TEMPORARY TABLE "segl_retail_id_e47" AS
SELECT DISTINCT
  "n"."v" AS "a",
  CASE WHEN "m"."u" < "m"."mv" THEN "m"."u" ELSE "m"."mv" END AS "b"
FROM (
  SELECT
    "a" AS "u",
    "b" AS "v"
  FROM "segl_retail_id_e46"
  UNION ALL
  SELECT
    "b" AS "u",
    "a" AS "v"
  FROM "segl_retail_id_e46"
) AS "n"
INNER JOIN (
  SELECT
    "u",
    MIN("v") AS "mv"
  FROM (
    SELECT
      "a" AS "u",
      "b" AS "v"
    FROM "segl_retail_id_e46"
    UNION ALL
    SELECT
      "b" AS "u",
      "a" AS "v"
    FROM "segl_retail_id_e46"
  ) AS "nb"
  GROUP BY
    "u"
) AS "m"
  ON "m"."u" = "n"."u"
WHERE
  "n"."u" < "n"."v";

CREATE TEMPORARY TABLE "segl_retail_id_e48" AS
SELECT DISTINCT
  "a",
  "b"
FROM (
  SELECT
    "e"."b" AS "a",
    "m"."mv" AS "b"
  FROM "segl_retail_id_e47" AS "e"
  INNER JOIN (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e47"
    GROUP BY
      "a"
  ) AS "m"
    ON "m"."u" = "e"."a"
  WHERE
    "e"."b" <> "m"."mv"
  UNION ALL
  SELECT
    "u" AS "a",
    "mv" AS "b"
  FROM (
    SELECT
      "a" AS "u",
      MIN("b") AS "mv"
    FROM "segl_retail_id_e47"
    GROUP BY
      "a"
  ) AS "c"
) AS "s";

DROP TABLE IF EXISTS "segl_retail_id_e47";

DROP TABLE IF EXISTS "segl_retail_id_e46";

CREATE TEMPORARY TABLE "segl_retail_id_labels" AS
SELECT
  "i"."n" AS "n",
  "i"."kind" AS "kind",
  "i"."id" AS "id",
  "i"."pref" AS "pref",
  COALESCE("l"."c", "i"."n") AS "c"
FROM "segl_retail_id_ids" AS "i"
LEFT JOIN (
  SELECT
    "a",
    MIN("b") AS "c"
  FROM "segl_retail_id_e48"
  GROUP BY
    "a"
) AS "l"
  ON "l"."a" = "i"."n";

CREATE TEMPORARY TABLE "segl_retail_id_map" AS
SELECT
  "l"."kind" AS "kind",
  "l"."id" AS "id",
  CASE
    WHEN "k"."kind" = 'member'
    AND NOT (
      SUBSTRING("k"."id", 1, LENGTH('member:')) = 'member:'
      OR SUBSTRING("k"."id", 1, LENGTH('openid:')) = 'openid:'
      OR SUBSTRING("k"."id", 1, LENGTH('device:')) = 'device:'
    )
    THEN "k"."id"
    ELSE "k"."kind" || ':' || "k"."id"
  END AS "person"
FROM "segl_retail_id_labels" AS "l"
INNER JOIN (
  SELECT
    "l"."c" AS "c",
    "l"."kind" AS "kind",
    MIN("l"."id") AS "id"
  FROM "segl_retail_id_labels" AS "l"
  INNER JOIN (
    SELECT
      "c",
      MIN("pref") AS "pref"
    FROM "segl_retail_id_labels"
    GROUP BY
      "c"
  ) AS "b"
    ON "b"."c" = "l"."c" AND "b"."pref" = "l"."pref"
  GROUP BY
    "l"."c",
    "l"."kind"
) AS "k"
  ON "k"."c" = "l"."c";

DROP TABLE IF EXISTS "segl_retail_id_e48";

DROP TABLE IF EXISTS "segl_retail_id_labels";

CREATE TEMPORARY TABLE "segl_retail_result" AS
WITH "segl_usr" AS (
  SELECT
    "u"."_pu" AS "_u",
    CASE
      WHEN "u"."registered_at" GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'
      AND DATETIME("u"."registered_at" || ' 00:00:00', '+0 days') = "u"."registered_at" || ' 00:00:00'
      THEN "u"."registered_at" || ' 00:00:00'
      WHEN "u"."registered_at" GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][ T][0-9][0-9]:[0-9][0-9]'
      AND DATETIME(
        SUBSTR("u"."registered_at", 1, 10) || ' ' || SUBSTR("u"."registered_at", 12, 5) || ':00',
        '+0 days'
      ) = SUBSTR("u"."registered_at", 1, 10) || ' ' || SUBSTR("u"."registered_at", 12, 5) || ':00'
      THEN SUBSTR("u"."registered_at", 1, 10) || ' ' || SUBSTR("u"."registered_at", 12, 5) || ':00'
      WHEN (
        SUBSTR("u"."registered_at", 1, 19) GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][ T][0-9][0-9]:[0-9][0-9]:[0-9][0-9]'
        AND (
          SUBSTR("u"."registered_at", 20) = ''
          OR SUBSTR("u"."registered_at", 20) GLOB '.[0-9]*'
          AND NOT SUBSTR("u"."registered_at", 21) GLOB '*[^0-9]*'
        )
      )
      AND DATETIME(
        SUBSTR("u"."registered_at", 1, 10) || ' ' || SUBSTR("u"."registered_at", 12, 8),
        '+0 days'
      ) = SUBSTR("u"."registered_at", 1, 10) || ' ' || SUBSTR("u"."registered_at", 12, 8)
      THEN CASE
        WHEN RTRIM(SUBSTR("u"."registered_at", 21), '0') = ''
        THEN SUBSTR("u"."registered_at", 1, 10) || ' ' || SUBSTR("u"."registered_at", 12, 8)
        ELSE SUBSTR("u"."registered_at", 1, 10) || ' ' || SUBSTR("u"."registered_at", 12, 8) || '.' || SUBSTR(SUBSTR("u"."registered_at", 21) || '000000', 1, 6)
      END
      ELSE NULL
    END AS "p_0",
    "u"."city" AS "p_1",
    SUBSTR(
      CASE
        WHEN "u"."birthday" GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'
        AND DATETIME("u"."birthday" || ' 00:00:00', '+0 days') = "u"."birthday" || ' 00:00:00'
        THEN "u"."birthday" || ' 00:00:00'
        WHEN "u"."birthday" GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][ T][0-9][0-9]:[0-9][0-9]'
        AND DATETIME(
          SUBSTR("u"."birthday", 1, 10) || ' ' || SUBSTR("u"."birthday", 12, 5) || ':00',
          '+0 days'
        ) = SUBSTR("u"."birthday", 1, 10) || ' ' || SUBSTR("u"."birthday", 12, 5) || ':00'
        THEN SUBSTR("u"."birthday", 1, 10) || ' ' || SUBSTR("u"."birthday", 12, 5) || ':00'
        WHEN (
          SUBSTR("u"."birthday", 1, 19) GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][ T][0-9][0-9]:[0-9][0-9]:[0-9][0-9]'
          AND (
            SUBSTR("u"."birthday", 20) = ''
            OR SUBSTR("u"."birthday", 20) GLOB '.[0-9]*'
            AND NOT SUBSTR("u"."birthday", 21) GLOB '*[^0-9]*'
          )
        )
        AND DATETIME(SUBSTR("u"."birthday", 1, 10) || ' ' || SUBSTR("u"."birthday", 12, 8), '+0 days') = SUBSTR("u"."birthday", 1, 10) || ' ' || SUBSTR("u"."birthday", 12, 8)
        THEN CASE
          WHEN RTRIM(SUBSTR("u"."birthday", 21), '0') = ''
          THEN SUBSTR("u"."birthday", 1, 10) || ' ' || SUBSTR("u"."birthday", 12, 8)
          ELSE SUBSTR("u"."birthday", 1, 10) || ' ' || SUBSTR("u"."birthday", 12, 8) || '.' || SUBSTR(SUBSTR("u"."birthday", 21) || '000000', 1, 6)
        END
        ELSE NULL
      END,
      1,
      10
    ) AS "p_2",
    CAST("u"."balance" AS REAL) AS "p_3",
    "u"."gender" AS "p_4",
    "u"."tz" AS "p_5",
    "p0"."level" AS "p_6"
  FROM (
    SELECT
      "s".*,
      "m"."person" AS "_pu",
      ROW_NUMBER() OVER (PARTITION BY "m"."person" ORDER BY "m"."id" NULLS LAST) AS "_first"
    FROM "users" AS "s"
    INNER JOIN "segl_retail_id_map" AS "m"
      ON "m"."kind" = 'member'
      AND "m"."id" = CAST(CASE
        WHEN CASE
          WHEN "s"."user_id" < CAST(1e+19 AS REAL)
          AND "s"."user_id" > (
            -CAST(1e+19 AS REAL)
          )
          THEN CASE
            WHEN "s"."user_id" >= (
              -9223372036854775808
            )
            AND "s"."user_id" < 9223372036854775808
            THEN "s"."user_id" = FLOOR("s"."user_id")
            ELSE FALSE
          END
          ELSE FALSE
        END
        THEN CAST("s"."user_id" AS INTEGER)
      END AS TEXT)
    WHERE
      NOT (
        "s"."user_id" IS NULL
      )
      AND (
        CASE
          WHEN "s"."registered_at" GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'
          AND DATETIME("s"."registered_at" || ' 00:00:00', '+0 days') = "s"."registered_at" || ' 00:00:00'
          THEN "s"."registered_at" || ' 00:00:00'
          WHEN "s"."registered_at" GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][ T][0-9][0-9]:[0-9][0-9]'
          AND DATETIME(
            SUBSTR("s"."registered_at", 1, 10) || ' ' || SUBSTR("s"."registered_at", 12, 5) || ':00',
            '+0 days'
          ) = SUBSTR("s"."registered_at", 1, 10) || ' ' || SUBSTR("s"."registered_at", 12, 5) || ':00'
          THEN SUBSTR("s"."registered_at", 1, 10) || ' ' || SUBSTR("s"."registered_at", 12, 5) || ':00'
          WHEN (
            SUBSTR("s"."registered_at", 1, 19) GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][ T][0-9][0-9]:[0-9][0-9]:[0-9][0-9]'
            AND (
              SUBSTR("s"."registered_at", 20) = ''
              OR SUBSTR("s"."registered_at", 20) GLOB '.[0-9]*'
              AND NOT SUBSTR("s"."registered_at", 21) GLOB '*[^0-9]*'
            )
          )
          AND DATETIME(
            SUBSTR("s"."registered_at", 1, 10) || ' ' || SUBSTR("s"."registered_at", 12, 8),
            '+0 days'
          ) = SUBSTR("s"."registered_at", 1, 10) || ' ' || SUBSTR("s"."registered_at", 12, 8)
          THEN CASE
            WHEN RTRIM(SUBSTR("s"."registered_at", 21), '0') = ''
            THEN SUBSTR("s"."registered_at", 1, 10) || ' ' || SUBSTR("s"."registered_at", 12, 8)
            ELSE SUBSTR("s"."registered_at", 1, 10) || ' ' || SUBSTR("s"."registered_at", 12, 8) || '.' || SUBSTR(SUBSTR("s"."registered_at", 21) || '000000', 1, 6)
          END
          ELSE NULL
        END IS NULL
        OR CASE
          WHEN "s"."registered_at" GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'
          AND DATETIME("s"."registered_at" || ' 00:00:00', '+0 days') = "s"."registered_at" || ' 00:00:00'
          THEN "s"."registered_at" || ' 00:00:00'
          WHEN "s"."registered_at" GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][ T][0-9][0-9]:[0-9][0-9]'
          AND DATETIME(
            SUBSTR("s"."registered_at", 1, 10) || ' ' || SUBSTR("s"."registered_at", 12, 5) || ':00',
            '+0 days'
          ) = SUBSTR("s"."registered_at", 1, 10) || ' ' || SUBSTR("s"."registered_at", 12, 5) || ':00'
          THEN SUBSTR("s"."registered_at", 1, 10) || ' ' || SUBSTR("s"."registered_at", 12, 5) || ':00'
          WHEN (
            SUBSTR("s"."registered_at", 1, 19) GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][ T][0-9][0-9]:[0-9][0-9]:[0-9][0-9]'
            AND (
              SUBSTR("s"."registered_at", 20) = ''
              OR SUBSTR("s"."registered_at", 20) GLOB '.[0-9]*'
              AND NOT SUBSTR("s"."registered_at", 21) GLOB '*[^0-9]*'
            )
          )
          AND DATETIME(
            SUBSTR("s"."registered_at", 1, 10) || ' ' || SUBSTR("s"."registered_at", 12, 8),
            '+0 days'
          ) = SUBSTR("s"."registered_at", 1, 10) || ' ' || SUBSTR("s"."registered_at", 12, 8)
          THEN CASE
            WHEN RTRIM(SUBSTR("s"."registered_at", 21), '0') = ''
            THEN SUBSTR("s"."registered_at", 1, 10) || ' ' || SUBSTR("s"."registered_at", 12, 8)
            ELSE SUBSTR("s"."registered_at", 1, 10) || ' ' || SUBSTR("s"."registered_at", 12, 8) || '.' || SUBSTR(SUBSTR("s"."registered_at", 21) || '000000', 1, 6)
          END
          ELSE NULL
        END < '2026-11-01 00:00:00'
      )
  ) AS "u"
  LEFT JOIN (
    SELECT
      "s".*,
      "m"."person" AS "_pu",
      ROW_NUMBER() OVER (PARTITION BY "m"."person" ORDER BY "m"."id" NULLS LAST) AS "_first"
    FROM "membership_history" AS "s"
    INNER JOIN "segl_retail_id_map" AS "m"
      ON "m"."kind" = 'member'
      AND "m"."id" = CAST(CASE
        WHEN CASE
          WHEN "s"."user_id" < CAST(1e+19 AS REAL)
          AND "s"."user_id" > (
            -CAST(1e+19 AS REAL)
          )
          THEN CASE
            WHEN "s"."user_id" >= (
              -9223372036854775808
            )
            AND "s"."user_id" < 9223372036854775808
            THEN "s"."user_id" = FLOOR("s"."user_id")
            ELSE FALSE
          END
          ELSE FALSE
        END
        THEN CAST("s"."user_id" AS INTEGER)
      END AS TEXT)
    WHERE
      NOT (
        "s"."user_id" IS NULL
      )
      AND (
        CASE
          WHEN "s"."valid_from" GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'
          AND DATETIME("s"."valid_from" || ' 00:00:00', '+0 days') = "s"."valid_from" || ' 00:00:00'
          THEN "s"."valid_from" || ' 00:00:00'
          WHEN "s"."valid_from" GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][ T][0-9][0-9]:[0-9][0-9]'
          AND DATETIME(
            SUBSTR("s"."valid_from", 1, 10) || ' ' || SUBSTR("s"."valid_from", 12, 5) || ':00',
            '+0 days'
          ) = SUBSTR("s"."valid_from", 1, 10) || ' ' || SUBSTR("s"."valid_from", 12, 5) || ':00'
          THEN SUBSTR("s"."valid_from", 1, 10) || ' ' || SUBSTR("s"."valid_from", 12, 5) || ':00'
          WHEN (
            SUBSTR("s"."valid_from", 1, 19) GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][ T][0-9][0-9]:[0-9][0-9]:[0-9][0-9]'
            AND (
              SUBSTR("s"."valid_from", 20) = ''
              OR SUBSTR("s"."valid_from", 20) GLOB '.[0-9]*'
              AND NOT SUBSTR("s"."valid_from", 21) GLOB '*[^0-9]*'
            )
          )
          AND DATETIME(
            SUBSTR("s"."valid_from", 1, 10) || ' ' || SUBSTR("s"."valid_from", 12, 8),
            '+0 days'
          ) = SUBSTR("s"."valid_from", 1, 10) || ' ' || SUBSTR("s"."valid_from", 12, 8)
          THEN CASE
            WHEN RTRIM(SUBSTR("s"."valid_from", 21), '0') = ''
            THEN SUBSTR("s"."valid_from", 1, 10) || ' ' || SUBSTR("s"."valid_from", 12, 8)
            ELSE SUBSTR("s"."valid_from", 1, 10) || ' ' || SUBSTR("s"."valid_from", 12, 8) || '.' || SUBSTR(SUBSTR("s"."valid_from", 21) || '000000', 1, 6)
          END
          ELSE NULL
        END IS NULL
        OR CASE
          WHEN "s"."valid_from" GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'
          AND DATETIME("s"."valid_from" || ' 00:00:00', '+0 days') = "s"."valid_from" || ' 00:00:00'
          THEN "s"."valid_from" || ' 00:00:00'
          WHEN "s"."valid_from" GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][ T][0-9][0-9]:[0-9][0-9]'
          AND DATETIME(
            SUBSTR("s"."valid_from", 1, 10) || ' ' || SUBSTR("s"."valid_from", 12, 5) || ':00',
            '+0 days'
          ) = SUBSTR("s"."valid_from", 1, 10) || ' ' || SUBSTR("s"."valid_from", 12, 5) || ':00'
          THEN SUBSTR("s"."valid_from", 1, 10) || ' ' || SUBSTR("s"."valid_from", 12, 5) || ':00'
          WHEN (
            SUBSTR("s"."valid_from", 1, 19) GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][ T][0-9][0-9]:[0-9][0-9]:[0-9][0-9]'
            AND (
              SUBSTR("s"."valid_from", 20) = ''
              OR SUBSTR("s"."valid_from", 20) GLOB '.[0-9]*'
              AND NOT SUBSTR("s"."valid_from", 21) GLOB '*[^0-9]*'
            )
          )
          AND DATETIME(
            SUBSTR("s"."valid_from", 1, 10) || ' ' || SUBSTR("s"."valid_from", 12, 8),
            '+0 days'
          ) = SUBSTR("s"."valid_from", 1, 10) || ' ' || SUBSTR("s"."valid_from", 12, 8)
          THEN CASE
            WHEN RTRIM(SUBSTR("s"."valid_from", 21), '0') = ''
            THEN SUBSTR("s"."valid_from", 1, 10) || ' ' || SUBSTR("s"."valid_from", 12, 8)
            ELSE SUBSTR("s"."valid_from", 1, 10) || ' ' || SUBSTR("s"."valid_from", 12, 8) || '.' || SUBSTR(SUBSTR("s"."valid_from", 21) || '000000', 1, 6)
          END
          ELSE NULL
        END <= '2026-11-01 00:00:00'
      )
      AND (
        CASE
          WHEN "s"."valid_to" GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'
          AND DATETIME("s"."valid_to" || ' 00:00:00', '+0 days') = "s"."valid_to" || ' 00:00:00'
          THEN "s"."valid_to" || ' 00:00:00'
          WHEN "s"."valid_to" GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][ T][0-9][0-9]:[0-9][0-9]'
          AND DATETIME(
            SUBSTR("s"."valid_to", 1, 10) || ' ' || SUBSTR("s"."valid_to", 12, 5) || ':00',
            '+0 days'
          ) = SUBSTR("s"."valid_to", 1, 10) || ' ' || SUBSTR("s"."valid_to", 12, 5) || ':00'
          THEN SUBSTR("s"."valid_to", 1, 10) || ' ' || SUBSTR("s"."valid_to", 12, 5) || ':00'
          WHEN (
            SUBSTR("s"."valid_to", 1, 19) GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][ T][0-9][0-9]:[0-9][0-9]:[0-9][0-9]'
            AND (
              SUBSTR("s"."valid_to", 20) = ''
              OR SUBSTR("s"."valid_to", 20) GLOB '.[0-9]*'
              AND NOT SUBSTR("s"."valid_to", 21) GLOB '*[^0-9]*'
            )
          )
          AND DATETIME(SUBSTR("s"."valid_to", 1, 10) || ' ' || SUBSTR("s"."valid_to", 12, 8), '+0 days') = SUBSTR("s"."valid_to", 1, 10) || ' ' || SUBSTR("s"."valid_to", 12, 8)
          THEN CASE
            WHEN RTRIM(SUBSTR("s"."valid_to", 21), '0') = ''
            THEN SUBSTR("s"."valid_to", 1, 10) || ' ' || SUBSTR("s"."valid_to", 12, 8)
            ELSE SUBSTR("s"."valid_to", 1, 10) || ' ' || SUBSTR("s"."valid_to", 12, 8) || '.' || SUBSTR(SUBSTR("s"."valid_to", 21) || '000000', 1, 6)
          END
          ELSE NULL
        END IS NULL
        OR '2026-11-01 00:00:00' < CASE
          WHEN "s"."valid_to" GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'
          AND DATETIME("s"."valid_to" || ' 00:00:00', '+0 days') = "s"."valid_to" || ' 00:00:00'
          THEN "s"."valid_to" || ' 00:00:00'
          WHEN "s"."valid_to" GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][ T][0-9][0-9]:[0-9][0-9]'
          AND DATETIME(
            SUBSTR("s"."valid_to", 1, 10) || ' ' || SUBSTR("s"."valid_to", 12, 5) || ':00',
            '+0 days'
          ) = SUBSTR("s"."valid_to", 1, 10) || ' ' || SUBSTR("s"."valid_to", 12, 5) || ':00'
          THEN SUBSTR("s"."valid_to", 1, 10) || ' ' || SUBSTR("s"."valid_to", 12, 5) || ':00'
          WHEN (
            SUBSTR("s"."valid_to", 1, 19) GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][ T][0-9][0-9]:[0-9][0-9]:[0-9][0-9]'
            AND (
              SUBSTR("s"."valid_to", 20) = ''
              OR SUBSTR("s"."valid_to", 20) GLOB '.[0-9]*'
              AND NOT SUBSTR("s"."valid_to", 21) GLOB '*[^0-9]*'
            )
          )
          AND DATETIME(SUBSTR("s"."valid_to", 1, 10) || ' ' || SUBSTR("s"."valid_to", 12, 8), '+0 days') = SUBSTR("s"."valid_to", 1, 10) || ' ' || SUBSTR("s"."valid_to", 12, 8)
          THEN CASE
            WHEN RTRIM(SUBSTR("s"."valid_to", 21), '0') = ''
            THEN SUBSTR("s"."valid_to", 1, 10) || ' ' || SUBSTR("s"."valid_to", 12, 8)
            ELSE SUBSTR("s"."valid_to", 1, 10) || ' ' || SUBSTR("s"."valid_to", 12, 8) || '.' || SUBSTR(SUBSTR("s"."valid_to", 21) || '000000', 1, 6)
          END
          ELSE NULL
        END
      )
  ) AS "p0"
    ON "p0"."_pu" = "u"."_pu" AND "p0"."_first" = 1
  WHERE
    "u"."_first" = 1
), "segl_ev_0" AS (
  SELECT
    "m"."person" AS "_u",
    CASE
      WHEN "e"."paid_at" GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'
      AND DATETIME("e"."paid_at" || ' 00:00:00', '+0 days') = "e"."paid_at" || ' 00:00:00'
      THEN "e"."paid_at" || ' 00:00:00'
      WHEN "e"."paid_at" GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][ T][0-9][0-9]:[0-9][0-9]'
      AND DATETIME(
        SUBSTR("e"."paid_at", 1, 10) || ' ' || SUBSTR("e"."paid_at", 12, 5) || ':00',
        '+0 days'
      ) = SUBSTR("e"."paid_at", 1, 10) || ' ' || SUBSTR("e"."paid_at", 12, 5) || ':00'
      THEN SUBSTR("e"."paid_at", 1, 10) || ' ' || SUBSTR("e"."paid_at", 12, 5) || ':00'
      WHEN (
        SUBSTR("e"."paid_at", 1, 19) GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][ T][0-9][0-9]:[0-9][0-9]:[0-9][0-9]'
        AND (
          SUBSTR("e"."paid_at", 20) = ''
          OR SUBSTR("e"."paid_at", 20) GLOB '.[0-9]*'
          AND NOT SUBSTR("e"."paid_at", 21) GLOB '*[^0-9]*'
        )
      )
      AND DATETIME(SUBSTR("e"."paid_at", 1, 10) || ' ' || SUBSTR("e"."paid_at", 12, 8), '+0 days') = SUBSTR("e"."paid_at", 1, 10) || ' ' || SUBSTR("e"."paid_at", 12, 8)
      THEN CASE
        WHEN RTRIM(SUBSTR("e"."paid_at", 21), '0') = ''
        THEN SUBSTR("e"."paid_at", 1, 10) || ' ' || SUBSTR("e"."paid_at", 12, 8)
        ELSE SUBSTR("e"."paid_at", 1, 10) || ' ' || SUBSTR("e"."paid_at", 12, 8) || '.' || SUBSTR(SUBSTR("e"."paid_at", 21) || '000000', 1, 6)
      END
      ELSE NULL
    END AS "_t",
    CAST("e"."amount" AS REAL) AS "c0",
    "e"."coupon_id" AS "c1",
    "e"."brand" AS "c2",
    CASE
      WHEN "e"."paid_at" GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'
      AND DATETIME("e"."paid_at" || ' 00:00:00', '+0 days') = "e"."paid_at" || ' 00:00:00'
      THEN "e"."paid_at" || ' 00:00:00'
      WHEN "e"."paid_at" GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][ T][0-9][0-9]:[0-9][0-9]'
      AND DATETIME(
        SUBSTR("e"."paid_at", 1, 10) || ' ' || SUBSTR("e"."paid_at", 12, 5) || ':00',
        '+0 days'
      ) = SUBSTR("e"."paid_at", 1, 10) || ' ' || SUBSTR("e"."paid_at", 12, 5) || ':00'
      THEN SUBSTR("e"."paid_at", 1, 10) || ' ' || SUBSTR("e"."paid_at", 12, 5) || ':00'
      WHEN (
        SUBSTR("e"."paid_at", 1, 19) GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][ T][0-9][0-9]:[0-9][0-9]:[0-9][0-9]'
        AND (
          SUBSTR("e"."paid_at", 20) = ''
          OR SUBSTR("e"."paid_at", 20) GLOB '.[0-9]*'
          AND NOT SUBSTR("e"."paid_at", 21) GLOB '*[^0-9]*'
        )
      )
      AND DATETIME(SUBSTR("e"."paid_at", 1, 10) || ' ' || SUBSTR("e"."paid_at", 12, 8), '+0 days') = SUBSTR("e"."paid_at", 1, 10) || ' ' || SUBSTR("e"."paid_at", 12, 8)
      THEN CASE
        WHEN RTRIM(SUBSTR("e"."paid_at", 21), '0') = ''
        THEN SUBSTR("e"."paid_at", 1, 10) || ' ' || SUBSTR("e"."paid_at", 12, 8)
        ELSE SUBSTR("e"."paid_at", 1, 10) || ' ' || SUBSTR("e"."paid_at", 12, 8) || '.' || SUBSTR(SUBSTR("e"."paid_at", 21) || '000000', 1, 6)
      END
      ELSE NULL
    END AS "c3",
    "e"."category" AS "c4",
    "w"."p_0" AS "u0"
  FROM "orders" AS "e"
  INNER JOIN "segl_retail_id_map" AS "m"
    ON "m"."kind" = 'member'
    AND "m"."id" = CAST(CASE
      WHEN CASE
        WHEN "e"."user_id" < CAST(1e+19 AS REAL)
        AND "e"."user_id" > (
          -CAST(1e+19 AS REAL)
        )
        THEN CASE
          WHEN "e"."user_id" >= (
            -9223372036854775808
          )
          AND "e"."user_id" < 9223372036854775808
          THEN "e"."user_id" = FLOOR("e"."user_id")
          ELSE FALSE
        END
        ELSE FALSE
      END
      THEN CAST("e"."user_id" AS INTEGER)
    END AS TEXT)
  INNER JOIN "segl_usr" AS "w"
    ON "w"."_u" = "m"."person"
  WHERE
    CASE
      WHEN "e"."paid_at" GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'
      AND DATETIME("e"."paid_at" || ' 00:00:00', '+0 days') = "e"."paid_at" || ' 00:00:00'
      THEN "e"."paid_at" || ' 00:00:00'
      WHEN "e"."paid_at" GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][ T][0-9][0-9]:[0-9][0-9]'
      AND DATETIME(
        SUBSTR("e"."paid_at", 1, 10) || ' ' || SUBSTR("e"."paid_at", 12, 5) || ':00',
        '+0 days'
      ) = SUBSTR("e"."paid_at", 1, 10) || ' ' || SUBSTR("e"."paid_at", 12, 5) || ':00'
      THEN SUBSTR("e"."paid_at", 1, 10) || ' ' || SUBSTR("e"."paid_at", 12, 5) || ':00'
      WHEN (
        SUBSTR("e"."paid_at", 1, 19) GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][ T][0-9][0-9]:[0-9][0-9]:[0-9][0-9]'
        AND (
          SUBSTR("e"."paid_at", 20) = ''
          OR SUBSTR("e"."paid_at", 20) GLOB '.[0-9]*'
          AND NOT SUBSTR("e"."paid_at", 21) GLOB '*[^0-9]*'
        )
      )
      AND DATETIME(SUBSTR("e"."paid_at", 1, 10) || ' ' || SUBSTR("e"."paid_at", 12, 8), '+0 days') = SUBSTR("e"."paid_at", 1, 10) || ' ' || SUBSTR("e"."paid_at", 12, 8)
      THEN CASE
        WHEN RTRIM(SUBSTR("e"."paid_at", 21), '0') = ''
        THEN SUBSTR("e"."paid_at", 1, 10) || ' ' || SUBSTR("e"."paid_at", 12, 8)
        ELSE SUBSTR("e"."paid_at", 1, 10) || ' ' || SUBSTR("e"."paid_at", 12, 8) || '.' || SUBSTR(SUBSTR("e"."paid_at", 21) || '000000', 1, 6)
      END
      ELSE NULL
    END < '2026-11-01 00:00:00'
), "segl_evr_0" AS (
  SELECT
    *,
    MAX("_t") OVER (PARTITION BY "_u") AS "t_a13",
    MIN("_t") OVER (PARTITION BY "_u") AS "t_a14"
  FROM "segl_ev_0"
), "segl_agg_0" AS (
  SELECT
    "_u" AS "_g",
    COUNT(1) AS "a0",
    COUNT(CASE WHEN "_t" >= '2026-05-05 00:00:00' THEN 1 END) AS "a1",
    SUM(CASE WHEN "_t" >= '2026-05-05 00:00:00' THEN "c0" END) AS "a2",
    COUNT(CASE WHEN "_t" >= '2026-05-05 00:00:00' AND NOT (
      "c1" IS NULL
    ) THEN 1 END) AS "a3",
    COUNT(
      CASE WHEN "_t" >= '2025-11-01 00:00:00' AND "_t" < '2026-07-04 00:00:00' THEN 1 END
    ) AS "a4",
    COUNT(
      CASE WHEN "_t" >= '2026-07-04 00:00:00' AND "_t" < '2026-10-02 00:00:00' THEN 1 END
    ) AS "a5",
    COUNT(CASE WHEN "_t" >= '2026-10-25 00:00:00' AND "c2" = 'Shiseido' THEN 1 END) AS "a6",
    MAX("c3") AS "a7",
    COUNT(
      CASE WHEN "_t" >= '2026-05-05 00:00:00' AND "_t" < '2026-08-03 00:00:00' THEN 1 END
    ) AS "a9",
    COUNT(
      CASE
        WHEN FLOOR(
          CAST((
            (
              CAST(STRFTIME('%s', DATETIME("c3")) AS INTEGER) + CASE
                WHEN SUBSTR("c3", 20, 1) = '.'
                THEN CAST('0' || SUBSTR("c3", 20) AS REAL)
                ELSE 0
              END
            ) - (
              CAST(STRFTIME('%s', DATETIME("u0")) AS INTEGER) + CASE
                WHEN SUBSTR("u0", 20, 1) = '.'
                THEN CAST('0' || SUBSTR("u0", 20) AS REAL)
                ELSE 0
              END
            )
          ) AS REAL) / 86400
        ) < 7
        THEN 1
      END
    ) AS "a10",
    SUM(CASE WHEN "_t" >= '2026-08-03 00:00:00' THEN "c0" END) AS "a11",
    AVG(CASE WHEN "_t" >= '2026-05-05 00:00:00' THEN "c0" END) AS "a12",
    MAX(CASE WHEN "_t" = "t_a13" THEN "c4" END) AS "a13",
    MIN(CASE WHEN "_t" = "t_a14" THEN "c2" END) AS "a14",
    COUNT(DISTINCT CASE WHEN "_t" >= '2026-08-03 00:00:00' THEN DATE("c3") END) AS "a15",
    SUM(CASE WHEN "_t" >= '2026-01-01 00:00:00' THEN "c0" END) AS "a16",
    SUM(
      CASE
        WHEN "_t" >= '2026-08-03 00:00:00' AND "c1" IS NULL
        THEN "c0" * CAST(0.9 AS REAL)
      END
    ) AS "a17",
    MIN("c3") AS "a18",
    COUNT(CASE WHEN "_t" >= '2026-05-05 00:00:00' THEN "c0" END) AS "n_a2",
    COUNT(CASE WHEN "_t" >= '2026-08-03 00:00:00' THEN "c0" END) AS "n_a11",
    COUNT(CASE WHEN "_t" >= '2026-01-01 00:00:00' THEN "c0" END) AS "n_a16",
    COUNT(
      CASE
        WHEN "_t" >= '2026-08-03 00:00:00' AND "c1" IS NULL
        THEN "c0" * CAST(0.9 AS REAL)
      END
    ) AS "n_a17"
  FROM "segl_evr_0"
  GROUP BY
    "_u"
), "segl_mfc_a8" AS (
  SELECT
    "_u",
    "v",
    COUNT(*) AS "n"
  FROM (
    SELECT
      "_u",
      "c4" AS "v"
    FROM "segl_ev_0"
    WHERE
      "_t" >= '2026-05-05 00:00:00'
  ) AS "vals"
  WHERE
    NOT (
      "v" IS NULL
    )
  GROUP BY
    "_u",
    "v"
), "segl_mf_a8" AS (
  SELECT
    "_u" AS "_g",
    "v" AS "a8"
  FROM (
    SELECT
      "_u",
      "v",
      ROW_NUMBER() OVER (PARTITION BY "_u" ORDER BY "n" DESC, "v" ASC NULLS LAST) AS "r"
    FROM "segl_mfc_a8"
  ) AS "ranked"
  WHERE
    "r" = 1
), "segl_ev_1" AS (
  SELECT
    "m"."person" AS "_u",
    CASE
      WHEN "e"."ts" GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'
      AND DATETIME("e"."ts" || ' 00:00:00', '+0 days') = "e"."ts" || ' 00:00:00'
      THEN "e"."ts" || ' 00:00:00'
      WHEN "e"."ts" GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][ T][0-9][0-9]:[0-9][0-9]'
      AND DATETIME(SUBSTR("e"."ts", 1, 10) || ' ' || SUBSTR("e"."ts", 12, 5) || ':00', '+0 days') = SUBSTR("e"."ts", 1, 10) || ' ' || SUBSTR("e"."ts", 12, 5) || ':00'
      THEN SUBSTR("e"."ts", 1, 10) || ' ' || SUBSTR("e"."ts", 12, 5) || ':00'
      WHEN (
        SUBSTR("e"."ts", 1, 19) GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][ T][0-9][0-9]:[0-9][0-9]:[0-9][0-9]'
        AND (
          SUBSTR("e"."ts", 20) = ''
          OR SUBSTR("e"."ts", 20) GLOB '.[0-9]*'
          AND NOT SUBSTR("e"."ts", 21) GLOB '*[^0-9]*'
        )
      )
      AND DATETIME(SUBSTR("e"."ts", 1, 10) || ' ' || SUBSTR("e"."ts", 12, 8), '+0 days') = SUBSTR("e"."ts", 1, 10) || ' ' || SUBSTR("e"."ts", 12, 8)
      THEN CASE
        WHEN RTRIM(SUBSTR("e"."ts", 21), '0') = ''
        THEN SUBSTR("e"."ts", 1, 10) || ' ' || SUBSTR("e"."ts", 12, 8)
        ELSE SUBSTR("e"."ts", 1, 10) || ' ' || SUBSTR("e"."ts", 12, 8) || '.' || SUBSTR(SUBSTR("e"."ts", 21) || '000000', 1, 6)
      END
      ELSE NULL
    END AS "_t",
    CASE
      WHEN "e"."ts" GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'
      AND DATETIME("e"."ts" || ' 00:00:00', '+0 days') = "e"."ts" || ' 00:00:00'
      THEN "e"."ts" || ' 00:00:00'
      WHEN "e"."ts" GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][ T][0-9][0-9]:[0-9][0-9]'
      AND DATETIME(SUBSTR("e"."ts", 1, 10) || ' ' || SUBSTR("e"."ts", 12, 5) || ':00', '+0 days') = SUBSTR("e"."ts", 1, 10) || ' ' || SUBSTR("e"."ts", 12, 5) || ':00'
      THEN SUBSTR("e"."ts", 1, 10) || ' ' || SUBSTR("e"."ts", 12, 5) || ':00'
      WHEN (
        SUBSTR("e"."ts", 1, 19) GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][ T][0-9][0-9]:[0-9][0-9]:[0-9][0-9]'
        AND (
          SUBSTR("e"."ts", 20) = ''
          OR SUBSTR("e"."ts", 20) GLOB '.[0-9]*'
          AND NOT SUBSTR("e"."ts", 21) GLOB '*[^0-9]*'
        )
      )
      AND DATETIME(SUBSTR("e"."ts", 1, 10) || ' ' || SUBSTR("e"."ts", 12, 8), '+0 days') = SUBSTR("e"."ts", 1, 10) || ' ' || SUBSTR("e"."ts", 12, 8)
      THEN CASE
        WHEN RTRIM(SUBSTR("e"."ts", 21), '0') = ''
        THEN SUBSTR("e"."ts", 1, 10) || ' ' || SUBSTR("e"."ts", 12, 8)
        ELSE SUBSTR("e"."ts", 1, 10) || ' ' || SUBSTR("e"."ts", 12, 8) || '.' || SUBSTR(SUBSTR("e"."ts", 21) || '000000', 1, 6)
      END
      ELSE NULL
    END AS "c0",
    "e"."name" AS "c1",
    "e"."channel" AS "c2"
  FROM "events" AS "e"
  INNER JOIN "segl_retail_id_map" AS "m"
    ON "m"."kind" = 'member'
    AND "m"."id" = CAST(CASE
      WHEN CASE
        WHEN "e"."user_id" < CAST(1e+19 AS REAL)
        AND "e"."user_id" > (
          -CAST(1e+19 AS REAL)
        )
        THEN CASE
          WHEN "e"."user_id" >= (
            -9223372036854775808
          )
          AND "e"."user_id" < 9223372036854775808
          THEN "e"."user_id" = FLOOR("e"."user_id")
          ELSE FALSE
        END
        ELSE FALSE
      END
      THEN CAST("e"."user_id" AS INTEGER)
    END AS TEXT)
  WHERE
    CASE
      WHEN "e"."ts" GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'
      AND DATETIME("e"."ts" || ' 00:00:00', '+0 days') = "e"."ts" || ' 00:00:00'
      THEN "e"."ts" || ' 00:00:00'
      WHEN "e"."ts" GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][ T][0-9][0-9]:[0-9][0-9]'
      AND DATETIME(SUBSTR("e"."ts", 1, 10) || ' ' || SUBSTR("e"."ts", 12, 5) || ':00', '+0 days') = SUBSTR("e"."ts", 1, 10) || ' ' || SUBSTR("e"."ts", 12, 5) || ':00'
      THEN SUBSTR("e"."ts", 1, 10) || ' ' || SUBSTR("e"."ts", 12, 5) || ':00'
      WHEN (
        SUBSTR("e"."ts", 1, 19) GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][ T][0-9][0-9]:[0-9][0-9]:[0-9][0-9]'
        AND (
          SUBSTR("e"."ts", 20) = ''
          OR SUBSTR("e"."ts", 20) GLOB '.[0-9]*'
          AND NOT SUBSTR("e"."ts", 21) GLOB '*[^0-9]*'
        )
      )
      AND DATETIME(SUBSTR("e"."ts", 1, 10) || ' ' || SUBSTR("e"."ts", 12, 8), '+0 days') = SUBSTR("e"."ts", 1, 10) || ' ' || SUBSTR("e"."ts", 12, 8)
      THEN CASE
        WHEN RTRIM(SUBSTR("e"."ts", 21), '0') = ''
        THEN SUBSTR("e"."ts", 1, 10) || ' ' || SUBSTR("e"."ts", 12, 8)
        ELSE SUBSTR("e"."ts", 1, 10) || ' ' || SUBSTR("e"."ts", 12, 8) || '.' || SUBSTR(SUBSTR("e"."ts", 21) || '000000', 1, 6)
      END
      ELSE NULL
    END < '2026-11-01 00:00:00'
), "segl_agg_1" AS (
  SELECT
    "_u" AS "_g",
    MAX(CASE WHEN "c1" = 'visit' THEN "c0" END) AS "a19",
    COUNT(CASE WHEN "_t" >= '2026-08-01 00:00:00' AND "c1" = 'visit' THEN 1 END) AS "a20",
    COUNT(CASE WHEN "_t" >= '2026-10-02 00:00:00' AND "c1" = 'visit' THEN 1 END) AS "a21",
    COUNT(
      CASE
        WHEN "_t" >= '2026-08-03 00:00:00'
        AND (
          "c1" = 'visit'
          AND (
            CAST(STRFTIME('%w', DATE("c0")) AS INTEGER) + 6
          ) % 7 + 1 >= 6
        )
        THEN 1
      END
    ) AS "a22",
    COUNT(CASE WHEN "_t" >= '2026-10-02 00:00:00' AND "c1" = 'push_click' THEN 1 END) AS "a23"
  FROM "segl_ev_1"
  GROUP BY
    "_u"
), "segl_mfc_a24" AS (
  SELECT
    "_u",
    "v",
    COUNT(*) AS "n"
  FROM (
    SELECT
      "_u",
      "c2" AS "v"
    FROM "segl_ev_1"
    WHERE
      "_t" >= '2026-05-05 00:00:00' AND "c1" = 'visit'
  ) AS "vals"
  WHERE
    NOT (
      "v" IS NULL
    )
  GROUP BY
    "_u",
    "v"
), "segl_mf_a24" AS (
  SELECT
    "_u" AS "_g",
    "v" AS "a24"
  FROM (
    SELECT
      "_u",
      "v",
      ROW_NUMBER() OVER (PARTITION BY "_u" ORDER BY "n" DESC, "v" ASC NULLS LAST) AS "r"
    FROM "segl_mfc_a24"
  ) AS "ranked"
  WHERE
    "r" = 1
), "segl_ev_2" AS (
  SELECT
    "m"."person" AS "_u",
    CASE
      WHEN "e"."claimed_at" GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'
      AND DATETIME("e"."claimed_at" || ' 00:00:00', '+0 days') = "e"."claimed_at" || ' 00:00:00'
      THEN "e"."claimed_at" || ' 00:00:00'
      WHEN "e"."claimed_at" GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][ T][0-9][0-9]:[0-9][0-9]'
      AND DATETIME(
        SUBSTR("e"."claimed_at", 1, 10) || ' ' || SUBSTR("e"."claimed_at", 12, 5) || ':00',
        '+0 days'
      ) = SUBSTR("e"."claimed_at", 1, 10) || ' ' || SUBSTR("e"."claimed_at", 12, 5) || ':00'
      THEN SUBSTR("e"."claimed_at", 1, 10) || ' ' || SUBSTR("e"."claimed_at", 12, 5) || ':00'
      WHEN (
        SUBSTR("e"."claimed_at", 1, 19) GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][ T][0-9][0-9]:[0-9][0-9]:[0-9][0-9]'
        AND (
          SUBSTR("e"."claimed_at", 20) = ''
          OR SUBSTR("e"."claimed_at", 20) GLOB '.[0-9]*'
          AND NOT SUBSTR("e"."claimed_at", 21) GLOB '*[^0-9]*'
        )
      )
      AND DATETIME(
        SUBSTR("e"."claimed_at", 1, 10) || ' ' || SUBSTR("e"."claimed_at", 12, 8),
        '+0 days'
      ) = SUBSTR("e"."claimed_at", 1, 10) || ' ' || SUBSTR("e"."claimed_at", 12, 8)
      THEN CASE
        WHEN RTRIM(SUBSTR("e"."claimed_at", 21), '0') = ''
        THEN SUBSTR("e"."claimed_at", 1, 10) || ' ' || SUBSTR("e"."claimed_at", 12, 8)
        ELSE SUBSTR("e"."claimed_at", 1, 10) || ' ' || SUBSTR("e"."claimed_at", 12, 8) || '.' || SUBSTR(SUBSTR("e"."claimed_at", 21) || '000000', 1, 6)
      END
      ELSE NULL
    END AS "_t"
  FROM "coupons" AS "e"
  INNER JOIN "segl_retail_id_map" AS "m"
    ON "m"."kind" = 'member'
    AND "m"."id" = CAST(CASE
      WHEN CASE
        WHEN "e"."user_id" < CAST(1e+19 AS REAL)
        AND "e"."user_id" > (
          -CAST(1e+19 AS REAL)
        )
        THEN CASE
          WHEN "e"."user_id" >= (
            -9223372036854775808
          )
          AND "e"."user_id" < 9223372036854775808
          THEN "e"."user_id" = FLOOR("e"."user_id")
          ELSE FALSE
        END
        ELSE FALSE
      END
      THEN CAST("e"."user_id" AS INTEGER)
    END AS TEXT)
  WHERE
    CASE
      WHEN "e"."claimed_at" GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'
      AND DATETIME("e"."claimed_at" || ' 00:00:00', '+0 days') = "e"."claimed_at" || ' 00:00:00'
      THEN "e"."claimed_at" || ' 00:00:00'
      WHEN "e"."claimed_at" GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][ T][0-9][0-9]:[0-9][0-9]'
      AND DATETIME(
        SUBSTR("e"."claimed_at", 1, 10) || ' ' || SUBSTR("e"."claimed_at", 12, 5) || ':00',
        '+0 days'
      ) = SUBSTR("e"."claimed_at", 1, 10) || ' ' || SUBSTR("e"."claimed_at", 12, 5) || ':00'
      THEN SUBSTR("e"."claimed_at", 1, 10) || ' ' || SUBSTR("e"."claimed_at", 12, 5) || ':00'
      WHEN (
        SUBSTR("e"."claimed_at", 1, 19) GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][ T][0-9][0-9]:[0-9][0-9]:[0-9][0-9]'
        AND (
          SUBSTR("e"."claimed_at", 20) = ''
          OR SUBSTR("e"."claimed_at", 20) GLOB '.[0-9]*'
          AND NOT SUBSTR("e"."claimed_at", 21) GLOB '*[^0-9]*'
        )
      )
      AND DATETIME(
        SUBSTR("e"."claimed_at", 1, 10) || ' ' || SUBSTR("e"."claimed_at", 12, 8),
        '+0 days'
      ) = SUBSTR("e"."claimed_at", 1, 10) || ' ' || SUBSTR("e"."claimed_at", 12, 8)
      THEN CASE
        WHEN RTRIM(SUBSTR("e"."claimed_at", 21), '0') = ''
        THEN SUBSTR("e"."claimed_at", 1, 10) || ' ' || SUBSTR("e"."claimed_at", 12, 8)
        ELSE SUBSTR("e"."claimed_at", 1, 10) || ' ' || SUBSTR("e"."claimed_at", 12, 8) || '.' || SUBSTR(SUBSTR("e"."claimed_at", 21) || '000000', 1, 6)
      END
      ELSE NULL
    END < '2026-11-01 00:00:00'
    AND CASE
      WHEN "e"."claimed_at" GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'
      AND DATETIME("e"."claimed_at" || ' 00:00:00', '+0 days') = "e"."claimed_at" || ' 00:00:00'
      THEN "e"."claimed_at" || ' 00:00:00'
      WHEN "e"."claimed_at" GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][ T][0-9][0-9]:[0-9][0-9]'
      AND DATETIME(
        SUBSTR("e"."claimed_at", 1, 10) || ' ' || SUBSTR("e"."claimed_at", 12, 5) || ':00',
        '+0 days'
      ) = SUBSTR("e"."claimed_at", 1, 10) || ' ' || SUBSTR("e"."claimed_at", 12, 5) || ':00'
      THEN SUBSTR("e"."claimed_at", 1, 10) || ' ' || SUBSTR("e"."claimed_at", 12, 5) || ':00'
      WHEN (
        SUBSTR("e"."claimed_at", 1, 19) GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][ T][0-9][0-9]:[0-9][0-9]:[0-9][0-9]'
        AND (
          SUBSTR("e"."claimed_at", 20) = ''
          OR SUBSTR("e"."claimed_at", 20) GLOB '.[0-9]*'
          AND NOT SUBSTR("e"."claimed_at", 21) GLOB '*[^0-9]*'
        )
      )
      AND DATETIME(
        SUBSTR("e"."claimed_at", 1, 10) || ' ' || SUBSTR("e"."claimed_at", 12, 8),
        '+0 days'
      ) = SUBSTR("e"."claimed_at", 1, 10) || ' ' || SUBSTR("e"."claimed_at", 12, 8)
      THEN CASE
        WHEN RTRIM(SUBSTR("e"."claimed_at", 21), '0') = ''
        THEN SUBSTR("e"."claimed_at", 1, 10) || ' ' || SUBSTR("e"."claimed_at", 12, 8)
        ELSE SUBSTR("e"."claimed_at", 1, 10) || ' ' || SUBSTR("e"."claimed_at", 12, 8) || '.' || SUBSTR(SUBSTR("e"."claimed_at", 21) || '000000', 1, 6)
      END
      ELSE NULL
    END >= '2026-08-03 00:00:00'
), "segl_agg_2" AS (
  SELECT
    "_u" AS "_g",
    COUNT(CASE WHEN "_t" >= '2026-08-03 00:00:00' THEN 1 END) AS "a25"
  FROM "segl_ev_2"
  GROUP BY
    "_u"
), "segl_ev_3" AS (
  SELECT
    "m"."person" AS "_u",
    CASE
      WHEN "e"."bound_at" GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'
      AND DATETIME("e"."bound_at" || ' 00:00:00', '+0 days') = "e"."bound_at" || ' 00:00:00'
      THEN "e"."bound_at" || ' 00:00:00'
      WHEN "e"."bound_at" GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][ T][0-9][0-9]:[0-9][0-9]'
      AND DATETIME(
        SUBSTR("e"."bound_at", 1, 10) || ' ' || SUBSTR("e"."bound_at", 12, 5) || ':00',
        '+0 days'
      ) = SUBSTR("e"."bound_at", 1, 10) || ' ' || SUBSTR("e"."bound_at", 12, 5) || ':00'
      THEN SUBSTR("e"."bound_at", 1, 10) || ' ' || SUBSTR("e"."bound_at", 12, 5) || ':00'
      WHEN (
        SUBSTR("e"."bound_at", 1, 19) GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][ T][0-9][0-9]:[0-9][0-9]:[0-9][0-9]'
        AND (
          SUBSTR("e"."bound_at", 20) = ''
          OR SUBSTR("e"."bound_at", 20) GLOB '.[0-9]*'
          AND NOT SUBSTR("e"."bound_at", 21) GLOB '*[^0-9]*'
        )
      )
      AND DATETIME(SUBSTR("e"."bound_at", 1, 10) || ' ' || SUBSTR("e"."bound_at", 12, 8), '+0 days') = SUBSTR("e"."bound_at", 1, 10) || ' ' || SUBSTR("e"."bound_at", 12, 8)
      THEN CASE
        WHEN RTRIM(SUBSTR("e"."bound_at", 21), '0') = ''
        THEN SUBSTR("e"."bound_at", 1, 10) || ' ' || SUBSTR("e"."bound_at", 12, 8)
        ELSE SUBSTR("e"."bound_at", 1, 10) || ' ' || SUBSTR("e"."bound_at", 12, 8) || '.' || SUBSTR(SUBSTR("e"."bound_at", 21) || '000000', 1, 6)
      END
      ELSE NULL
    END AS "_t"
  FROM "wechat_bindings" AS "e"
  INNER JOIN "segl_retail_id_map" AS "m"
    ON "m"."kind" = 'member'
    AND "m"."id" = CAST(CASE
      WHEN CASE
        WHEN "e"."user_id" < CAST(1e+19 AS REAL)
        AND "e"."user_id" > (
          -CAST(1e+19 AS REAL)
        )
        THEN CASE
          WHEN "e"."user_id" >= (
            -9223372036854775808
          )
          AND "e"."user_id" < 9223372036854775808
          THEN "e"."user_id" = FLOOR("e"."user_id")
          ELSE FALSE
        END
        ELSE FALSE
      END
      THEN CAST("e"."user_id" AS INTEGER)
    END AS TEXT)
  WHERE
    CASE
      WHEN "e"."bound_at" GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'
      AND DATETIME("e"."bound_at" || ' 00:00:00', '+0 days') = "e"."bound_at" || ' 00:00:00'
      THEN "e"."bound_at" || ' 00:00:00'
      WHEN "e"."bound_at" GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][ T][0-9][0-9]:[0-9][0-9]'
      AND DATETIME(
        SUBSTR("e"."bound_at", 1, 10) || ' ' || SUBSTR("e"."bound_at", 12, 5) || ':00',
        '+0 days'
      ) = SUBSTR("e"."bound_at", 1, 10) || ' ' || SUBSTR("e"."bound_at", 12, 5) || ':00'
      THEN SUBSTR("e"."bound_at", 1, 10) || ' ' || SUBSTR("e"."bound_at", 12, 5) || ':00'
      WHEN (
        SUBSTR("e"."bound_at", 1, 19) GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][ T][0-9][0-9]:[0-9][0-9]:[0-9][0-9]'
        AND (
          SUBSTR("e"."bound_at", 20) = ''
          OR SUBSTR("e"."bound_at", 20) GLOB '.[0-9]*'
          AND NOT SUBSTR("e"."bound_at", 21) GLOB '*[^0-9]*'
        )
      )
      AND DATETIME(SUBSTR("e"."bound_at", 1, 10) || ' ' || SUBSTR("e"."bound_at", 12, 8), '+0 days') = SUBSTR("e"."bound_at", 1, 10) || ' ' || SUBSTR("e"."bound_at", 12, 8)
      THEN CASE
        WHEN RTRIM(SUBSTR("e"."bound_at", 21), '0') = ''
        THEN SUBSTR("e"."bound_at", 1, 10) || ' ' || SUBSTR("e"."bound_at", 12, 8)
        ELSE SUBSTR("e"."bound_at", 1, 10) || ' ' || SUBSTR("e"."bound_at", 12, 8) || '.' || SUBSTR(SUBSTR("e"."bound_at", 21) || '000000', 1, 6)
      END
      ELSE NULL
    END < '2026-11-01 00:00:00'
), "segl_agg_3" AS (
  SELECT
    "_u" AS "_g",
    COUNT(1) AS "a26"
  FROM "segl_ev_3"
  GROUP BY
    "_u"
), "segl_ev_4" AS (
  SELECT
    "m"."person" AS "_u",
    CASE
      WHEN "e"."ts" GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'
      AND DATETIME("e"."ts" || ' 00:00:00', '+0 days') = "e"."ts" || ' 00:00:00'
      THEN "e"."ts" || ' 00:00:00'
      WHEN "e"."ts" GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][ T][0-9][0-9]:[0-9][0-9]'
      AND DATETIME(SUBSTR("e"."ts", 1, 10) || ' ' || SUBSTR("e"."ts", 12, 5) || ':00', '+0 days') = SUBSTR("e"."ts", 1, 10) || ' ' || SUBSTR("e"."ts", 12, 5) || ':00'
      THEN SUBSTR("e"."ts", 1, 10) || ' ' || SUBSTR("e"."ts", 12, 5) || ':00'
      WHEN (
        SUBSTR("e"."ts", 1, 19) GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][ T][0-9][0-9]:[0-9][0-9]:[0-9][0-9]'
        AND (
          SUBSTR("e"."ts", 20) = ''
          OR SUBSTR("e"."ts", 20) GLOB '.[0-9]*'
          AND NOT SUBSTR("e"."ts", 21) GLOB '*[^0-9]*'
        )
      )
      AND DATETIME(SUBSTR("e"."ts", 1, 10) || ' ' || SUBSTR("e"."ts", 12, 8), '+0 days') = SUBSTR("e"."ts", 1, 10) || ' ' || SUBSTR("e"."ts", 12, 8)
      THEN CASE
        WHEN RTRIM(SUBSTR("e"."ts", 21), '0') = ''
        THEN SUBSTR("e"."ts", 1, 10) || ' ' || SUBSTR("e"."ts", 12, 8)
        ELSE SUBSTR("e"."ts", 1, 10) || ' ' || SUBSTR("e"."ts", 12, 8) || '.' || SUBSTR(SUBSTR("e"."ts", 21) || '000000', 1, 6)
      END
      ELSE NULL
    END AS "_t",
    CASE
      WHEN "e"."ts" GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'
      AND DATETIME("e"."ts" || ' 00:00:00', '+0 days') = "e"."ts" || ' 00:00:00'
      THEN "e"."ts" || ' 00:00:00'
      WHEN "e"."ts" GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][ T][0-9][0-9]:[0-9][0-9]'
      AND DATETIME(SUBSTR("e"."ts", 1, 10) || ' ' || SUBSTR("e"."ts", 12, 5) || ':00', '+0 days') = SUBSTR("e"."ts", 1, 10) || ' ' || SUBSTR("e"."ts", 12, 5) || ':00'
      THEN SUBSTR("e"."ts", 1, 10) || ' ' || SUBSTR("e"."ts", 12, 5) || ':00'
      WHEN (
        SUBSTR("e"."ts", 1, 19) GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][ T][0-9][0-9]:[0-9][0-9]:[0-9][0-9]'
        AND (
          SUBSTR("e"."ts", 20) = ''
          OR SUBSTR("e"."ts", 20) GLOB '.[0-9]*'
          AND NOT SUBSTR("e"."ts", 21) GLOB '*[^0-9]*'
        )
      )
      AND DATETIME(SUBSTR("e"."ts", 1, 10) || ' ' || SUBSTR("e"."ts", 12, 8), '+0 days') = SUBSTR("e"."ts", 1, 10) || ' ' || SUBSTR("e"."ts", 12, 8)
      THEN CASE
        WHEN RTRIM(SUBSTR("e"."ts", 21), '0') = ''
        THEN SUBSTR("e"."ts", 1, 10) || ' ' || SUBSTR("e"."ts", 12, 8)
        ELSE SUBSTR("e"."ts", 1, 10) || ' ' || SUBSTR("e"."ts", 12, 8) || '.' || SUBSTR(SUBSTR("e"."ts", 21) || '000000', 1, 6)
      END
      ELSE NULL
    END AS "c0",
    "e"."device_id" AS "c1"
  FROM "app_events" AS "e"
  INNER JOIN "segl_retail_id_map" AS "m"
    ON "m"."kind" = 'device' AND "m"."id" = CAST("e"."device_id" AS TEXT)
  WHERE
    CASE
      WHEN "e"."ts" GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'
      AND DATETIME("e"."ts" || ' 00:00:00', '+0 days') = "e"."ts" || ' 00:00:00'
      THEN "e"."ts" || ' 00:00:00'
      WHEN "e"."ts" GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][ T][0-9][0-9]:[0-9][0-9]'
      AND DATETIME(SUBSTR("e"."ts", 1, 10) || ' ' || SUBSTR("e"."ts", 12, 5) || ':00', '+0 days') = SUBSTR("e"."ts", 1, 10) || ' ' || SUBSTR("e"."ts", 12, 5) || ':00'
      THEN SUBSTR("e"."ts", 1, 10) || ' ' || SUBSTR("e"."ts", 12, 5) || ':00'
      WHEN (
        SUBSTR("e"."ts", 1, 19) GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][ T][0-9][0-9]:[0-9][0-9]:[0-9][0-9]'
        AND (
          SUBSTR("e"."ts", 20) = ''
          OR SUBSTR("e"."ts", 20) GLOB '.[0-9]*'
          AND NOT SUBSTR("e"."ts", 21) GLOB '*[^0-9]*'
        )
      )
      AND DATETIME(SUBSTR("e"."ts", 1, 10) || ' ' || SUBSTR("e"."ts", 12, 8), '+0 days') = SUBSTR("e"."ts", 1, 10) || ' ' || SUBSTR("e"."ts", 12, 8)
      THEN CASE
        WHEN RTRIM(SUBSTR("e"."ts", 21), '0') = ''
        THEN SUBSTR("e"."ts", 1, 10) || ' ' || SUBSTR("e"."ts", 12, 8)
        ELSE SUBSTR("e"."ts", 1, 10) || ' ' || SUBSTR("e"."ts", 12, 8) || '.' || SUBSTR(SUBSTR("e"."ts", 21) || '000000', 1, 6)
      END
      ELSE NULL
    END < '2026-11-01 00:00:00'
    AND CASE
      WHEN "e"."ts" GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'
      AND DATETIME("e"."ts" || ' 00:00:00', '+0 days') = "e"."ts" || ' 00:00:00'
      THEN "e"."ts" || ' 00:00:00'
      WHEN "e"."ts" GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][ T][0-9][0-9]:[0-9][0-9]'
      AND DATETIME(SUBSTR("e"."ts", 1, 10) || ' ' || SUBSTR("e"."ts", 12, 5) || ':00', '+0 days') = SUBSTR("e"."ts", 1, 10) || ' ' || SUBSTR("e"."ts", 12, 5) || ':00'
      THEN SUBSTR("e"."ts", 1, 10) || ' ' || SUBSTR("e"."ts", 12, 5) || ':00'
      WHEN (
        SUBSTR("e"."ts", 1, 19) GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][ T][0-9][0-9]:[0-9][0-9]:[0-9][0-9]'
        AND (
          SUBSTR("e"."ts", 20) = ''
          OR SUBSTR("e"."ts", 20) GLOB '.[0-9]*'
          AND NOT SUBSTR("e"."ts", 21) GLOB '*[^0-9]*'
        )
      )
      AND DATETIME(SUBSTR("e"."ts", 1, 10) || ' ' || SUBSTR("e"."ts", 12, 8), '+0 days') = SUBSTR("e"."ts", 1, 10) || ' ' || SUBSTR("e"."ts", 12, 8)
      THEN CASE
        WHEN RTRIM(SUBSTR("e"."ts", 21), '0') = ''
        THEN SUBSTR("e"."ts", 1, 10) || ' ' || SUBSTR("e"."ts", 12, 8)
        ELSE SUBSTR("e"."ts", 1, 10) || ' ' || SUBSTR("e"."ts", 12, 8) || '.' || SUBSTR(SUBSTR("e"."ts", 21) || '000000', 1, 6)
      END
      ELSE NULL
    END >= '2026-08-03 00:00:00'
), "segl_agg_4" AS (
  SELECT
    "_u" AS "_g",
    COUNT(DISTINCT CASE WHEN "_t" >= '2026-10-02 00:00:00' THEN DATE("c0") END) AS "a27",
    COUNT(DISTINCT CASE WHEN "_t" >= '2026-08-03 00:00:00' THEN "c1" END) AS "a28"
  FROM "segl_ev_4"
  GROUP BY
    "_u"
), "segl_base" AS (
  SELECT
    "segl_usr".*,
    COALESCE("segl_agg_0"."a0", 0) AS "a0",
    COALESCE("segl_agg_0"."a1", 0) AS "a1",
    CASE WHEN "segl_agg_0"."n_a2" > 0 THEN "segl_agg_0"."a2" ELSE 0 END AS "a2",
    COALESCE("segl_agg_0"."a3", 0) AS "a3",
    COALESCE("segl_agg_0"."a4" > 0, FALSE) AS "a4",
    COALESCE("segl_agg_0"."a5" > 0, FALSE) AS "a5",
    COALESCE("segl_agg_0"."a6" > 0, FALSE) AS "a6",
    "segl_agg_0"."a7" AS "a7",
    COALESCE("segl_agg_0"."a9", 0) AS "a9",
    COALESCE("segl_agg_0"."a10", 0) AS "a10",
    CASE WHEN "segl_agg_0"."n_a11" > 0 THEN "segl_agg_0"."a11" ELSE 0 END AS "a11",
    "segl_agg_0"."a12" AS "a12",
    "segl_agg_0"."a13" AS "a13",
    "segl_agg_0"."a14" AS "a14",
    COALESCE("segl_agg_0"."a15", 0) AS "a15",
    CASE WHEN "segl_agg_0"."n_a16" > 0 THEN "segl_agg_0"."a16" ELSE 0 END AS "a16",
    CASE WHEN "segl_agg_0"."n_a17" > 0 THEN "segl_agg_0"."a17" ELSE 0 END AS "a17",
    "segl_agg_0"."a18" AS "a18",
    "segl_mf_a8"."a8" AS "a8",
    "segl_agg_1"."a19" AS "a19",
    COALESCE("segl_agg_1"."a20", 0) AS "a20",
    COALESCE("segl_agg_1"."a21", 0) AS "a21",
    COALESCE("segl_agg_1"."a22", 0) AS "a22",
    COALESCE("segl_agg_1"."a23", 0) AS "a23",
    "segl_mf_a24"."a24" AS "a24",
    COALESCE("segl_agg_2"."a25", 0) AS "a25",
    COALESCE("segl_agg_3"."a26" > 0, FALSE) AS "a26",
    COALESCE("segl_agg_4"."a27", 0) AS "a27",
    COALESCE("segl_agg_4"."a28", 0) AS "a28"
  FROM "segl_usr"
  LEFT JOIN "segl_agg_0"
    ON "segl_agg_0"."_g" = "segl_usr"."_u"
  LEFT JOIN "segl_mf_a8"
    ON "segl_mf_a8"."_g" = "segl_usr"."_u"
  LEFT JOIN "segl_agg_1"
    ON "segl_agg_1"."_g" = "segl_usr"."_u"
  LEFT JOIN "segl_mf_a24"
    ON "segl_mf_a24"."_g" = "segl_usr"."_u"
  LEFT JOIN "segl_agg_2"
    ON "segl_agg_2"."_g" = "segl_usr"."_u"
  LEFT JOIN "segl_agg_3"
    ON "segl_agg_3"."_g" = "segl_usr"."_u"
  LEFT JOIN "segl_agg_4"
    ON "segl_agg_4"."_g" = "segl_usr"."_u"
), "segl_lvl_1" AS (
  SELECT
    *,
    CAST("a3" AS REAL) / NULLIF(CAST("a1" AS REAL), 0) AS "d6",
    CASE
      WHEN "p_1" IN ('Beijing', '北京')
      THEN 'Beijing'
      WHEN "p_1" IN ('Chengdu', '成都')
      THEN 'Chengdu'
      ELSE "p_1"
    END AS "d14",
    2026 - CAST(STRFTIME('%Y', "p_2") AS INTEGER) - CASE
      WHEN CAST(STRFTIME('%m', "p_2") AS INTEGER) * 100 + CAST(STRFTIME('%d', "p_2") AS INTEGER) > 1101
      THEN 1
      ELSE 0
    END AS "d25"
  FROM "segl_base"
), "segl_lvl_2" AS (
  SELECT
    *,
    CASE
      WHEN FLOOR(
        CAST((
          (
            CAST(STRFTIME('%s', DATETIME('2026-11-01 00:00:00')) AS INTEGER) + CASE
              WHEN SUBSTR('2026-11-01 00:00:00', 20, 1) = '.'
              THEN CAST('0' || SUBSTR('2026-11-01 00:00:00', 20) AS REAL)
              ELSE 0
            END
          ) - (
            CAST(STRFTIME('%s', DATETIME("p_0")) AS INTEGER) + CASE
              WHEN SUBSTR("p_0", 20, 1) = '.'
              THEN CAST('0' || SUBSTR("p_0", 20) AS REAL)
              ELSE 0
            END
          )
        ) AS REAL) / 86400
      ) <= 30
      THEN 'new'
      WHEN FLOOR(
        CAST((
          (
            CAST(STRFTIME('%s', DATETIME('2026-11-01 00:00:00')) AS INTEGER) + CASE
              WHEN SUBSTR('2026-11-01 00:00:00', 20, 1) = '.'
              THEN CAST('0' || SUBSTR('2026-11-01 00:00:00', 20) AS REAL)
              ELSE 0
            END
          ) - (
            CAST(STRFTIME('%s', DATETIME("a19")) AS INTEGER) + CASE
              WHEN SUBSTR("a19", 20, 1) = '.'
              THEN CAST('0' || SUBSTR("a19", 20) AS REAL)
              ELSE 0
            END
          )
        ) AS REAL) / 86400
      ) > 90
      OR "a19" IS NULL
      THEN 'churned'
      WHEN "a0" >= 5
      THEN 'loyal'
      ELSE 'mature'
    END AS "d2",
    CASE
      WHEN "a1" = 0
      THEN 'no_orders'
      WHEN "d6" >= CAST(0.8 AS REAL) AND "a25" >= 3
      THEN 'fanatic'
      WHEN "d6" >= CAST(0.5 AS REAL)
      THEN 'sensitive'
      WHEN "d6" >= CAST(0.2 AS REAL)
      THEN 'neutral'
      ELSE 'indifferent'
    END AS "d8",
    CASE
      WHEN "a13" = 'skincare'
      THEN 'makeup'
      WHEN "a13" = 'makeup'
      THEN 'skincare'
      WHEN "a13" = 'fragrance'
      THEN 'bodycare'
      WHEN "a13" = 'haircare'
      THEN 'bodycare'
      WHEN "a13" = 'bodycare'
      THEN 'fragrance'
    END AS "d53"
  FROM "segl_lvl_1"
)
SELECT
  "_u",
  "a0" AS "d0",
  "a19" AS "d1",
  "d2",
  "a1" AS "d3",
  "a2" AS "d4",
  CASE
    WHEN "a1" >= 3 AND "a2" >= 3000
    THEN 'hf_hv'
    WHEN "a1" >= 3
    THEN 'hf_lv'
    WHEN "a2" >= 3000
    THEN 'lf_hv'
    WHEN "a1" >= 1
    THEN 'lf_lv'
    ELSE 'none'
  END AS "d5",
  "d6",
  "a25" AS "d7",
  "d8",
  COALESCE("a4" AND NOT "a5", FALSE) AS "d9",
  "a6" AS "d10",
  "p_1" AS "d11",
  "a20" AS "d12",
  COALESCE("a20" >= 3 AND "a0" >= 1 AND "p_1" = 'Beijing' AND NOT "a6", FALSE) AS "d13",
  "d14",
  COALESCE("a20" >= 3 AND "a0" >= 1 AND "d14" = 'Beijing' AND NOT "a6", FALSE) AS "d15",
  COALESCE("d2" = 'loyal' AND "d14" = 'Beijing', FALSE) AS "d16",
  "a21" AS "d17",
  COALESCE("a2" >= 3000 AND "a21" = 0 AND "a20" >= 1, FALSE) AS "d18",
  COALESCE("d8" IN ('fanatic', 'sensitive') AND "a25" >= 3, FALSE) AS "d19",
  "a22" AS "d20",
  COALESCE("a22" >= 3 AND "a1" = 0, FALSE) AS "d21",
  "a7" AS "d22",
  "a8" AS "d23",
  COALESCE(
    "a8" = 'skincare'
    AND (
      FLOOR(
        CAST((
          (
            CAST(STRFTIME('%s', DATETIME('2026-11-01 00:00:00')) AS INTEGER) + CASE
              WHEN SUBSTR('2026-11-01 00:00:00', 20, 1) = '.'
              THEN CAST('0' || SUBSTR('2026-11-01 00:00:00', 20) AS REAL)
              ELSE 0
            END
          ) - (
            CAST(STRFTIME('%s', DATETIME("a7")) AS INTEGER) + CASE
              WHEN SUBSTR("a7", 20, 1) = '.'
              THEN CAST('0' || SUBSTR("a7", 20) AS REAL)
              ELSE 0
            END
          )
        ) AS REAL) / 86400
      ) >= 30
      AND FLOOR(
        CAST((
          (
            CAST(STRFTIME('%s', DATETIME('2026-11-01 00:00:00')) AS INTEGER) + CASE
              WHEN SUBSTR('2026-11-01 00:00:00', 20, 1) = '.'
              THEN CAST('0' || SUBSTR('2026-11-01 00:00:00', 20) AS REAL)
              ELSE 0
            END
          ) - (
            CAST(STRFTIME('%s', DATETIME("a7")) AS INTEGER) + CASE
              WHEN SUBSTR("a7", 20, 1) = '.'
              THEN CAST('0' || SUBSTR("a7", 20) AS REAL)
              ELSE 0
            END
          )
        ) AS REAL) / 86400
      ) <= 90
    ),
    FALSE
  ) AS "d24",
  "d25",
  COALESCE("d25" >= 18 AND "d25" <= 25 AND "d2" = 'new', FALSE) AS "d26",
  "p_3" AS "d27",
  "p_6" AS "d28",
  COALESCE("p_6" IN ('gold', 'platinum') AND "p_3" > 0, FALSE) AS "d29",
  "a9" AS "d30",
  COALESCE("a9" = 0 AND "a1" >= 1 AND "a0" > "a1", FALSE) AS "d31",
  "a10" AS "d32",
  COALESCE("d2" = 'new' AND "a10" >= 2, FALSE) AS "d33",
  "a11" AS "d34",
  "a27" AS "d35",
  COALESCE("a27" >= 3 AND "a11" = 0, FALSE) AS "d36",
  "a26" AS "d37",
  COALESCE("a1" >= 1 AND NOT "a26", FALSE) AS "d38",
  "p_4" AS "d39",
  FLOOR(
    CAST((
      (
        CAST(STRFTIME('%s', DATETIME('2026-11-01 00:00:00')) AS INTEGER) + CASE
          WHEN SUBSTR('2026-11-01 00:00:00', 20, 1) = '.'
          THEN CAST('0' || SUBSTR('2026-11-01 00:00:00', 20) AS REAL)
          ELSE 0
        END
      ) - (
        CAST(STRFTIME('%s', DATETIME("p_0")) AS INTEGER) + CASE
          WHEN SUBSTR("p_0", 20, 1) = '.'
          THEN CAST('0' || SUBSTR("p_0", 20) AS REAL)
          ELSE 0
        END
      )
    ) AS REAL) / 86400
  ) AS "d40",
  "a23" AS "d41",
  "a28" AS "d42",
  "a24" AS "d43",
  "a12" AS "d44",
  "a13" AS "d45",
  "a14" AS "d46",
  "a15" AS "d47",
  "a16" AS "d48",
  "a17" AS "d49",
  CASE WHEN "a11" >= 5000 THEN 'high' WHEN "a11" >= 1000 THEN 'mid' ELSE 'low' END AS "d50",
  CASE
    WHEN "a21" >= 8
    THEN 'high'
    WHEN "a21" >= 2
    THEN 'mid'
    WHEN "a20" >= 1
    THEN 'low'
    ELSE 'inactive'
  END AS "d51",
  FLOOR(
    CAST((
      (
        CAST(STRFTIME('%s', DATETIME('2026-11-01 00:00:00')) AS INTEGER) + CASE
          WHEN SUBSTR('2026-11-01 00:00:00', 20, 1) = '.'
          THEN CAST('0' || SUBSTR('2026-11-01 00:00:00', 20) AS REAL)
          ELSE 0
        END
      ) - (
        CAST(STRFTIME('%s', DATETIME("a19")) AS INTEGER) + CASE
          WHEN SUBSTR("a19", 20, 1) = '.'
          THEN CAST('0' || SUBSTR("a19", 20) AS REAL)
          ELSE 0
        END
      )
    ) AS REAL) / 86400
  ) AS "d52",
  "d53",
  "a20" >= 1 AS "d54",
  "a8" AS "d55",
  "d53" AS "d56",
  FLOOR(
    CAST((
      (
        CAST(STRFTIME('%s', DATETIME('2026-11-01 00:00:00')) AS INTEGER) + CASE
          WHEN SUBSTR('2026-11-01 00:00:00', 20, 1) = '.'
          THEN CAST('0' || SUBSTR('2026-11-01 00:00:00', 20) AS REAL)
          ELSE 0
        END
      ) - (
        CAST(STRFTIME('%s', DATETIME("a19")) AS INTEGER) + CASE
          WHEN SUBSTR("a19", 20, 1) = '.'
          THEN CAST('0' || SUBSTR("a19", 20) AS REAL)
          ELSE 0
        END
      )
    ) AS REAL) / 86400
  ) >= 30 AS "d57",
  "a8" AS "d58",
  CASE
    WHEN "a12" >= 800
    THEN 100
    WHEN "a12" >= 400
    THEN 50
    WHEN "a12" >= 150
    THEN 20
    ELSE 10
  END AS "d59",
  "a0" = 1 AS "d60",
  "a18" AS "d61",
  "p_5" AS "d62"
FROM "segl_lvl_2";

CREATE TABLE IF NOT EXISTS "segl_retail_tags" AS
SELECT
  CAST(NULL AS TEXT) AS "as_of",
  "_u" AS "user_id",
  CAST(NULL AS REAL) AS "purchases",
  CAST(NULL AS TEXT) AS "last_visit_at",
  CAST(NULL AS REAL) AS "purchases_180d",
  CAST(NULL AS REAL) AS "spend_180d",
  CAST(NULL AS REAL) AS "coupon_share_180d",
  CAST(NULL AS REAL) AS "coupon_claims_90d",
  CAST(NULL AS INTEGER) AS "bought_shiseido_1w",
  CAST(NULL AS TEXT) AS "city",
  CAST(NULL AS REAL) AS "visits_3m",
  CAST(NULL AS TEXT) AS "home_city",
  CAST(NULL AS REAL) AS "visits_30d",
  CAST(NULL AS REAL) AS "weekend_visits_90d",
  CAST(NULL AS TEXT) AS "last_order_at",
  CAST(NULL AS TEXT) AS "top_category",
  CAST(NULL AS REAL) AS "age",
  CAST(NULL AS REAL) AS "balance",
  CAST(NULL AS TEXT) AS "member_level",
  CAST(NULL AS REAL) AS "orders_prev_quarter",
  CAST(NULL AS REAL) AS "orders_first_week",
  CAST(NULL AS REAL) AS "spend_90d",
  CAST(NULL AS REAL) AS "app_days_30d",
  CAST(NULL AS INTEGER) AS "wechat_bound",
  CAST(NULL AS TEXT) AS "gender",
  CAST(NULL AS REAL) AS "registered_days",
  CAST(NULL AS REAL) AS "push_clicks_30d",
  CAST(NULL AS REAL) AS "app_devices_90d",
  CAST(NULL AS TEXT) AS "preferred_channel",
  CAST(NULL AS REAL) AS "avg_order_value",
  CAST(NULL AS TEXT) AS "last_order_category",
  CAST(NULL AS TEXT) AS "first_brand",
  CAST(NULL AS REAL) AS "shopping_days_90d",
  CAST(NULL AS REAL) AS "spend_this_year",
  CAST(NULL AS REAL) AS "discounted_spend_90d",
  CAST(NULL AS TEXT) AS "value_level",
  CAST(NULL AS TEXT) AS "activity_level",
  CAST(NULL AS REAL) AS "days_since_visit",
  CAST(NULL AS TEXT) AS "complementary_category"
FROM "segl_retail_result"
WHERE
  1 = 0;

DELETE FROM "segl_retail_tags"
WHERE
  "as_of" = '2026-11-01 00:00:00';

INSERT INTO "segl_retail_tags" (
  "as_of",
  "user_id",
  "purchases",
  "last_visit_at",
  "purchases_180d",
  "spend_180d",
  "coupon_share_180d",
  "coupon_claims_90d",
  "bought_shiseido_1w",
  "city",
  "visits_3m",
  "home_city",
  "visits_30d",
  "weekend_visits_90d",
  "last_order_at",
  "top_category",
  "age",
  "balance",
  "member_level",
  "orders_prev_quarter",
  "orders_first_week",
  "spend_90d",
  "app_days_30d",
  "wechat_bound",
  "gender",
  "registered_days",
  "push_clicks_30d",
  "app_devices_90d",
  "preferred_channel",
  "avg_order_value",
  "last_order_category",
  "first_brand",
  "shopping_days_90d",
  "spend_this_year",
  "discounted_spend_90d",
  "value_level",
  "activity_level",
  "days_since_visit",
  "complementary_category"
)
SELECT
  '2026-11-01 00:00:00',
  "_u",
  CAST("d0" AS REAL),
  CAST("d1" AS TEXT),
  CAST("d3" AS REAL),
  CAST("d4" AS REAL),
  CAST("d6" AS REAL),
  CAST("d7" AS REAL),
  CAST("d10" AS INTEGER),
  CAST("d11" AS TEXT),
  CAST("d12" AS REAL),
  CAST("d14" AS TEXT),
  CAST("d17" AS REAL),
  CAST("d20" AS REAL),
  CAST("d22" AS TEXT),
  CAST("d23" AS TEXT),
  CAST("d25" AS REAL),
  CAST("d27" AS REAL),
  CAST("d28" AS TEXT),
  CAST("d30" AS REAL),
  CAST("d32" AS REAL),
  CAST("d34" AS REAL),
  CAST("d35" AS REAL),
  CAST("d37" AS INTEGER),
  CAST("d39" AS TEXT),
  CAST("d40" AS REAL),
  CAST("d41" AS REAL),
  CAST("d42" AS REAL),
  CAST("d43" AS TEXT),
  CAST("d44" AS REAL),
  CAST("d45" AS TEXT),
  CAST("d46" AS TEXT),
  CAST("d47" AS REAL),
  CAST("d48" AS REAL),
  CAST("d49" AS REAL),
  CAST("d50" AS TEXT),
  CAST("d51" AS TEXT),
  CAST("d52" AS REAL),
  CAST("d53" AS TEXT)
FROM "segl_retail_result";

CREATE TABLE IF NOT EXISTS "segl_retail_members" AS
SELECT
  CAST(NULL AS TEXT) AS "as_of",
  CAST(NULL AS TEXT) AS "segment",
  "_u" AS "user_id"
FROM "segl_retail_result"
WHERE
  1 = 0;

DELETE FROM "segl_retail_members"
WHERE
  "as_of" = '2026-11-01 00:00:00';

INSERT INTO "segl_retail_members" (
  "as_of",
  "segment",
  "user_id"
)
SELECT
  '2026-11-01 00:00:00',
  'lapsed_buyers',
  "_u"
FROM "segl_retail_result"
WHERE
  "d9" = TRUE
UNION ALL
SELECT
  '2026-11-01 00:00:00',
  'beijing_loyal',
  "_u"
FROM "segl_retail_result"
WHERE
  "d13" = TRUE
UNION ALL
SELECT
  '2026-11-01 00:00:00',
  'beijing_loyal_any_spelling',
  "_u"
FROM "segl_retail_result"
WHERE
  "d15" = TRUE
UNION ALL
SELECT
  '2026-11-01 00:00:00',
  'loyal_beijing',
  "_u"
FROM "segl_retail_result"
WHERE
  "d16" = TRUE
UNION ALL
SELECT
  '2026-11-01 00:00:00',
  'high_value_at_risk',
  "_u"
FROM "segl_retail_result"
WHERE
  "d18" = TRUE
UNION ALL
SELECT
  '2026-11-01 00:00:00',
  'coupon_hunters',
  "_u"
FROM "segl_retail_result"
WHERE
  "d19" = TRUE
UNION ALL
SELECT
  '2026-11-01 00:00:00',
  'weekend_browsers',
  "_u"
FROM "segl_retail_result"
WHERE
  "d21" = TRUE
UNION ALL
SELECT
  '2026-11-01 00:00:00',
  'skincare_fans_no_recent_order',
  "_u"
FROM "segl_retail_result"
WHERE
  "d24" = TRUE
UNION ALL
SELECT
  '2026-11-01 00:00:00',
  'young_new_members',
  "_u"
FROM "segl_retail_result"
WHERE
  "d26" = TRUE
UNION ALL
SELECT
  '2026-11-01 00:00:00',
  'gold_or_better',
  "_u"
FROM "segl_retail_result"
WHERE
  "d29" = TRUE
UNION ALL
SELECT
  '2026-11-01 00:00:00',
  'reactivated',
  "_u"
FROM "segl_retail_result"
WHERE
  "d31" = TRUE
UNION ALL
SELECT
  '2026-11-01 00:00:00',
  'fast_starters',
  "_u"
FROM "segl_retail_result"
WHERE
  "d33" = TRUE
UNION ALL
SELECT
  '2026-11-01 00:00:00',
  'app_browsers_no_order',
  "_u"
FROM "segl_retail_result"
WHERE
  "d36" = TRUE
UNION ALL
SELECT
  '2026-11-01 00:00:00',
  'bind_wechat_invite',
  "_u"
FROM "segl_retail_result"
WHERE
  "d38" = TRUE;

CREATE TABLE IF NOT EXISTS "segl_retail_layers" AS
SELECT
  CAST(NULL AS TEXT) AS "as_of",
  CAST(NULL AS TEXT) AS "layering",
  "_u" AS "user_id",
  CAST(NULL AS TEXT) AS "layer"
FROM "segl_retail_result"
WHERE
  1 = 0;

DELETE FROM "segl_retail_layers"
WHERE
  "as_of" = '2026-11-01 00:00:00';

INSERT INTO "segl_retail_layers" (
  "as_of",
  "layering",
  "user_id",
  "layer"
)
SELECT
  '2026-11-01 00:00:00',
  'lifecycle',
  "_u",
  "d2"
FROM "segl_retail_result"
WHERE
  NOT (
    "d2" IS NULL
  )
UNION ALL
SELECT
  '2026-11-01 00:00:00',
  'value_quadrant',
  "_u",
  "d5"
FROM "segl_retail_result"
WHERE
  NOT (
    "d5" IS NULL
  )
UNION ALL
SELECT
  '2026-11-01 00:00:00',
  'promo_sensitivity',
  "_u",
  "d8"
FROM "segl_retail_result"
WHERE
  NOT (
    "d8" IS NULL
  );

CREATE TABLE IF NOT EXISTS "segl_retail_persons" AS
SELECT
  CAST(NULL AS TEXT) AS "as_of",
  CAST(NULL AS TEXT) AS "person",
  CAST(NULL AS TEXT) AS "kind",
  CAST(NULL AS TEXT) AS "id"
FROM "segl_retail_result"
WHERE
  1 = 0;

DELETE FROM "segl_retail_persons"
WHERE
  "as_of" = '2026-11-01 00:00:00';

INSERT INTO "segl_retail_persons" (
  "as_of",
  "person",
  "kind",
  "id"
)
SELECT
  '2026-11-01 00:00:00',
  "person",
  "kind",
  "id"
FROM "segl_retail_id_map";

CREATE TABLE IF NOT EXISTS "segl_retail_shared_ids" AS
SELECT
  CAST(NULL AS TEXT) AS "as_of",
  CAST(NULL AS TEXT) AS "id",
  CAST(NULL AS INTEGER) AS "links"
FROM "segl_retail_result"
WHERE
  1 = 0;

DELETE FROM "segl_retail_shared_ids"
WHERE
  "as_of" = '2026-11-01 00:00:00';

INSERT INTO "segl_retail_shared_ids" (
  "as_of",
  "id",
  "links"
)
SELECT
  '2026-11-01 00:00:00',
  "n",
  CAST("links" AS INTEGER)
FROM "segl_retail_id_shared";

CREATE TABLE IF NOT EXISTS "segl_runs" AS
SELECT
  CAST(NULL AS TEXT) AS "project",
  CAST(NULL AS TEXT) AS "as_of",
  CAST(NULL AS TEXT) AS "timezone",
  CAST(NULL AS TEXT) AS "run_at",
  CAST(NULL AS REAL) AS "duration_seconds",
  CAST(NULL AS INTEGER) AS "users",
  CAST(NULL AS TEXT) AS "rules_fingerprint",
  CAST(NULL AS TEXT) AS "segl_version",
  CAST(NULL AS TEXT) AS "definitions"
FROM "segl_retail_result"
WHERE
  1 = 0;

DELETE FROM "segl_runs"
WHERE
  "project" = 'retail' AND "as_of" = '2026-11-01 00:00:00';

INSERT INTO "segl_runs" (
  "project",
  "as_of",
  "timezone",
  "run_at",
  "duration_seconds",
  "users",
  "rules_fingerprint",
  "segl_version",
  "definitions"
)
SELECT
  'retail',
  '2026-11-01 00:00:00',
  'Asia/Shanghai',
  STRFTIME('%Y-%m-%d %H:%M:%S+00:00', 'now'),
  CAST(NULL AS REAL),
  CAST(COUNT(*) AS INTEGER),
  '2b9907352bd21c4a9d67281cb6c04dd7ad441ba4e44496f6de41b574aee382d3',
  'unknown',
  '{"activity_level": "6dc02abc89a3719f", "age": "07c128c3f70f29ae", "app_browsers_no_order": "5d3c878442ab1483", "app_days_30d": "ad34f399b9461610", "app_devices_90d": "ca255d1fb802edec", "avg_order_value": "37bcfeaab94b2082", "balance": "58f5ec061737f7ae", "beijing_loyal": "e7d2fd39217c044e", "beijing_loyal_any_spelling": "26a61f8db1e15a06", "bind_wechat_invite": "3a6c29b10c8ff463", "bought_shiseido_1w": "cb4f6d8017ac59cc", "city": "8b97e5c23c3f1259", "complementary_category": "687c2a5143a80f4a", "coupon_claims_90d": "3f66436810dcd48f", "coupon_hunters": "f383dc4f37f59f84", "coupon_share_180d": "bf505e1c150ef59f", "days_since_visit": "41de3c7d55eedfd3", "discounted_spend_90d": "9805f0fa5ebcea5f", "fast_starters": "c2c63c3aae6bba30", "first_brand": "090fcaa848ecc35a", "gender": "1495a4f2bcb032e8", "gold_or_better": "a7e64b612a710382", "high_value_at_risk": "b19410bec51145d6", "home_city": "78de8db4c1c96996", "lapsed_buyers": "f27ad8a15bb000eb", "last_order_at": "5841bb9094a7e67f", "last_order_category": "77aee1f3d70f0c29", "last_visit_at": "9791ad33607490e3", "lifecycle": "10aa3221978a5e9d", "loyal_beijing": "23c20b3bd1c75656", "member_level": "89fcd83b812a7fee", "orders_first_week": "bef3c8bc1bbb5832", "orders_prev_quarter": "ba3a2a49d06bbdec", "preferred_channel": "02201f2ea174c7d6", "promo_sensitivity": "bc12945c9a299af6", "purchases": "54fbe7820974b365", "purchases_180d": "a413329870f785ca", "push_clicks_30d": "5ba164c93b65116e", "reactivated": "2fb35a943fe51a95", "registered_days": "da546ef61dd71367", "shopping_days_90d": "6f0ede754876ff09", "skincare_fans_no_recent_order": "423b358d0cd844a5", "spend_180d": "c8d7089bf0a28f7c", "spend_90d": "1c8278f50db71731", "spend_this_year": "eb22b3a528385088", "top_category": "55c37ca9e1f8f141", "value_level": "e817e2b9fb81ad04", "value_quadrant": "a1e79e1e1d2e19fc", "visits_30d": "a79a7a70a19f3969", "visits_3m": "db961de7f4916e21", "wechat_bound": "0d0a812dab485038", "weekend_browsers": "f0ab2e1c0c876650", "weekend_visits_90d": "420f74c31fc2f050", "young_new_members": "856c5674cc45167d"}'
FROM "segl_retail_result";

DROP TABLE IF EXISTS "segl_retail_result";

DROP TABLE IF EXISTS "segl_retail_id_links";

DROP TABLE IF EXISTS "segl_retail_id_ids";

DROP TABLE IF EXISTS "segl_retail_id_shared";

DROP TABLE IF EXISTS "segl_retail_id_map";

DROP TABLE IF EXISTS "segl_retail_id_labels";

DROP TABLE IF EXISTS "segl_retail_id_e0";

COMMIT;
