-- The funnel push_to_order (benchmarks/workload_reports/reports.segl) written by hand for
-- DuckDB, exactly SPEC §3.4 for this funnel: 5 steps, a funnel window of $window seconds
-- and no step windows, no split, the project's zone UTC (a wall time is its instant).
-- Parameters: $as_of, $entry_from, $entry_to (timestamps), $window (seconds).
--
-- Why it is exact: without step windows, the earliest chain from an entry (each next step
-- the earliest matching event at or after the previous one, an ASOF join) reaches the
-- furthest step any chain from that entry reaches, and its times are each the smallest
-- possible; so a user's furthest step is the best over their entries, and the
-- lexicographically smallest (t5, t4, ..., t1) among those chains is the SPEC's
-- earliest-completing chain. The steps match disjoint rows (different names, another
-- table), so a chain never uses one event twice. Later steps are only read in
-- [entry_from, entry_to + window): a chain's events lie in it.
-- Output: one row per furthest step (1..5) with its users and censored users, and per
-- step 2..5 the median seconds from the previous step over the users who reached it.
WITH
universe AS (SELECT user_id FROM users),
entrants AS (
    SELECT user_id, ts AS t
    FROM events
    WHERE name = 'push_sent' AND ts >= $entry_from AND ts < $entry_to AND ts < $as_of
      AND user_id IN (SELECT user_id FROM universe)
),
later AS (  -- the later steps' events of users with an entry, where a chain can reach them
    SELECT user_id, ts AS t, name
    FROM events
    WHERE name IN ('push_click', 'visit', 'add_cart')
      AND ts >= $entry_from AND ts < $entry_to + to_seconds($window) AND ts < $as_of
      AND user_id IN (SELECT user_id FROM entrants)
),
s2 AS (SELECT user_id, t FROM later WHERE name = 'push_click'),
s3 AS (SELECT user_id, t FROM later WHERE name = 'visit'),
s4 AS (SELECT user_id, t FROM later WHERE name = 'add_cart'),
s5 AS (
    SELECT user_id, paid_at AS t
    FROM orders
    WHERE paid_at >= $entry_from AND paid_at < $entry_to + to_seconds($window)
      AND paid_at < $as_of AND user_id IN (SELECT user_id FROM entrants)
),
-- each entry's earliest chain: a step's time is null once the chain stops
c2 AS (
    SELECT c.user_id, c.t AS t1,
           CASE WHEN s.t < c.t + to_seconds($window) THEN s.t END AS t2
    FROM entrants c ASOF LEFT JOIN s2 s ON c.user_id = s.user_id AND s.t >= c.t
),
c3 AS (
    SELECT c.*, CASE WHEN s.t < c.t1 + to_seconds($window) THEN s.t END AS t3
    FROM c2 c ASOF LEFT JOIN s3 s ON c.user_id = s.user_id AND s.t >= c.t2
),
c4 AS (
    SELECT c.*, CASE WHEN s.t < c.t1 + to_seconds($window) THEN s.t END AS t4
    FROM c3 c ASOF LEFT JOIN s4 s ON c.user_id = s.user_id AND s.t >= c.t3
),
c5 AS (
    SELECT c.*, CASE WHEN s.t < c.t1 + to_seconds($window) THEN s.t END AS t5
    FROM c4 c ASOF LEFT JOIN s5 s ON c.user_id = s.user_id AND s.t >= c.t4
),
chains AS (
    SELECT *,
           1 + (t2 IS NOT NULL)::INT + (t3 IS NOT NULL)::INT + (t4 IS NOT NULL)::INT
             + (t5 IS NOT NULL)::INT AS depth,
           max(t1) OVER (PARTITION BY user_id) AS last_entry
    FROM c5
),
per_user AS (  -- the furthest step and the earliest-completing chain reaching it
    SELECT user_id, depth, t1, t2, t3, t4, t5,
           depth < 5 AND last_entry + to_seconds($window) > $as_of AS censored
    FROM chains
    QUALIFY row_number() OVER (
        PARTITION BY user_id
        ORDER BY depth DESC, t5 NULLS LAST, t4 NULLS LAST, t3 NULLS LAST, t2 NULLS LAST, t1
    ) = 1
)
SELECT
    depth AS step,
    count(*) AS users,
    count(*) FILTER (WHERE censored) AS censored,
    NULL::DOUBLE AS median_seconds
FROM per_user
GROUP BY depth
UNION ALL
SELECT k AS step, NULL, NULL, median(seconds) AS median_seconds
FROM (
    SELECT 2 AS k, epoch(t2) - epoch(t1) AS seconds FROM per_user WHERE depth >= 2
    UNION ALL SELECT 3, epoch(t3) - epoch(t2) FROM per_user WHERE depth >= 3
    UNION ALL SELECT 4, epoch(t4) - epoch(t3) FROM per_user WHERE depth >= 4
    UNION ALL SELECT 5, epoch(t5) - epoch(t4) FROM per_user WHERE depth >= 5
) AS gaps
GROUP BY k
ORDER BY step, users NULLS LAST
