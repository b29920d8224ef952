/* Unit tests of agents/mysql/score.c: a replica's promotion score. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../agents/mysql/score.h"

#define UUID "3e11fa47-71ca-11e1-9e33-c80aa9429562"

/* A replica connected to its writer, 0 s behind, max_lag 60. */
static struct geoha_replica_facts
replicating(long long lag_s)
{
    return (struct geoha_replica_facts){
        .io_running = true,
        .lag_s = lag_s,
        .max_lag_s = 60,
        .cutoff_ms = 60000,
        .notation = GEOHA_GTID_MARIADB,
    };
}

/* A replica cut off from its writer for LOST_MS, MariaDB positions. */
static struct geoha_replica_facts
cut_off(int64_t lost_ms, const char *received, const char *applied)
{
    return (struct geoha_replica_facts){
        .io_running = false,
        .lag_s = -1,
        .max_lag_s = 60,
        .lost_for_ms = lost_ms,
        .cutoff_ms = 60000,
        .received = received,
        .applied = applied,
        .notation = GEOHA_GTID_MARIADB,
    };
}

static void
expect(const struct geoha_replica_facts *f, enum geoha_replica_verdict v,
       const char *score)
{
    struct geoha_replica_score s = geoha__mysql_replica_score(f);

    assert_int_equal(s.verdict, v);
    assert_false(s.keep);
    if (score == NULL) {
        assert_null(s.score);
    } else {
        assert_non_null(s.score);
        assert_string_equal(s.score, score);
    }
}

static void
replica_score__replicating_by_lag(void **state)
{
    struct geoha_replica_facts f;

    (void)state;
    f = replicating(0);
    expect(&f, GEOHA_REPLICA_CURRENT, SCORE_CURRENT);
    f = replicating(CURRENT_LAG_S);
    expect(&f, GEOHA_REPLICA_CURRENT, SCORE_CURRENT);
    f = replicating(CURRENT_LAG_S + 1);
    expect(&f, GEOHA_REPLICA_LAGGING, SCORE_LAGGING);
    f = replicating(60);
    expect(&f, GEOHA_REPLICA_LAGGING, SCORE_LAGGING);
    f = replicating(61);
    expect(&f, GEOHA_REPLICA_PAST_MAX_LAG, NULL);
}

static void
replica_score__replicating_lag_unknown_keeps_the_score(void **state)
{
    struct geoha_replica_facts f = replicating(-1);
    struct geoha_replica_score s;

    (void)state;
    s = geoha__mysql_replica_score(&f);
    assert_int_equal(s.verdict, GEOHA_REPLICA_LAG_UNKNOWN);
    assert_true(s.keep);
}

static void
replica_score__replicating_ignores_the_cut_off_facts(void **state)
{
    /* a stale loss time, an unrecorded one or a refusal do not matter
     * while the IO thread is connected */
    struct geoha_replica_facts f = replicating(1);

    (void)state;
    f.lost_for_ms = 10 * 60000;
    f.lost_untimed = true;
    f.io_refused = true;
    f.refused_bound_ms = 5000;
    expect(&f, GEOHA_REPLICA_CURRENT, SCORE_CURRENT);
}

static void
replica_score__cut_off_mariadb_positions(void **state)
{
    struct geoha_replica_facts f;

    (void)state;
    /* applied everything it received */
    f = cut_off(1000, "0-1-129", "0-1-129");
    expect(&f, GEOHA_REPLICA_CURRENT, SCORE_CURRENT);
    /* received transactions not yet applied */
    f = cut_off(1000, "0-1-129", "0-1-120");
    expect(&f, GEOHA_REPLICA_LAGGING, SCORE_LAGGING);
    /* a position: the highest sequence number of each domain counts, not
     * the server that wrote it (a switchover changed the server id) */
    f = cut_off(1000, "0-1-129", "0-2-130");
    expect(&f, GEOHA_REPLICA_CURRENT, SCORE_CURRENT);
    /* every domain must be reached */
    f = cut_off(1000, "0-1-129,1-1-7", "0-1-129,1-1-6");
    expect(&f, GEOHA_REPLICA_LAGGING, SCORE_LAGGING);
    f = cut_off(1000, "0-1-129,1-1-7", "0-1-129");
    expect(&f, GEOHA_REPLICA_LAGGING, SCORE_LAGGING);
    /* nothing received: nothing left to apply */
    f = cut_off(1000, "", "0-1-5");
    expect(&f, GEOHA_REPLICA_CURRENT, SCORE_CURRENT);
    f = cut_off(1000, NULL, NULL);
    expect(&f, GEOHA_REPLICA_CURRENT, SCORE_CURRENT);
}

static void
replica_score__cut_off_mysql_sets(void **state)
{
    struct geoha_replica_facts f;

    (void)state;
    f = cut_off(1000, UUID ":1-10", UUID ":1-10");
    f.notation = GEOHA_GTID_MYSQL;
    expect(&f, GEOHA_REPLICA_CURRENT, SCORE_CURRENT);
    /* MySQL prints newlines in long sets */
    f = cut_off(1000, UUID ":1-10", UUID ":1-12,\n" UUID ":20");
    f.notation = GEOHA_GTID_MYSQL;
    expect(&f, GEOHA_REPLICA_CURRENT, SCORE_CURRENT);
    /* a gap is a transaction not applied, whatever the highest number */
    f = cut_off(1000, UUID ":1-10", UUID ":1-4:6-10");
    f.notation = GEOHA_GTID_MYSQL;
    expect(&f, GEOHA_REPLICA_LAGGING, SCORE_LAGGING);
}

static void
replica_score__unreadable_gtids_never_score_current(void **state)
{
    struct geoha_replica_facts f;

    (void)state;
    f = cut_off(1000, "garbage", "0-1-5");
    expect(&f, GEOHA_REPLICA_LAGGING, SCORE_LAGGING);
    f = cut_off(1000, "0-1-5", "garbage");
    expect(&f, GEOHA_REPLICA_LAGGING, SCORE_LAGGING);
    /* the other notation than the server's */
    f = cut_off(1000, UUID ":1-10", UUID ":1-10");
    expect(&f, GEOHA_REPLICA_LAGGING, SCORE_LAGGING);
}

static void
replica_score__cut_off_too_long_is_stale(void **state)
{
    struct geoha_replica_facts f;

    (void)state;
    f = cut_off(60000, "0-1-5", "0-1-5");
    expect(&f, GEOHA_REPLICA_CURRENT, SCORE_CURRENT);
    f = cut_off(60001, "0-1-5", "0-1-5");
    expect(&f, GEOHA_REPLICA_STALE, NULL);
}

static void
replica_score__semi_sync_cut_off(void **state)
{
    /* semi-sync on with a 1 s timeout: after 1 s cut off the writer may
     * have committed without this replica, whatever max_lag says */
    struct geoha_replica_facts f;

    (void)state;
    f = cut_off(1000, "0-1-5", "0-1-5");
    f.cutoff_ms = 1000;
    expect(&f, GEOHA_REPLICA_CURRENT, SCORE_CURRENT);
    f = cut_off(1001, "0-1-5", "0-1-5");
    f.cutoff_ms = 1000;
    expect(&f, GEOHA_REPLICA_STALE, NULL);
}

static void
replica_score__untimed_loss_is_not_promotable(void **state)
{
    struct geoha_replica_facts f = cut_off(0, "0-1-5", "0-1-5");

    (void)state;
    f.lost_untimed = true;
    expect(&f, GEOHA_REPLICA_UNTIMED, NULL);
}

static void
replica_score__refused_by_the_writer(void **state)
{
    struct geoha_replica_facts f;

    (void)state;
    /* within the bound: judged like any cut-off replica */
    f = cut_off(5000, "0-1-5", "0-1-5");
    f.io_refused = true;
    f.refused_bound_ms = 5000;
    expect(&f, GEOHA_REPLICA_CURRENT, SCORE_CURRENT);
    /* past it: falls behind for good, long before max_lag */
    f.lost_for_ms = 5001;
    expect(&f, GEOHA_REPLICA_REFUSED, NULL);
    /* a refusal not judged apart (bound 0): max_lag decides */
    f.refused_bound_ms = 0;
    expect(&f, GEOHA_REPLICA_CURRENT, SCORE_CURRENT);
    f.lost_for_ms = 60001;
    expect(&f, GEOHA_REPLICA_STALE, NULL);
    /* an error that is not a refusal: max_lag decides too */
    f = cut_off(5001, "0-1-5", "0-1-5");
    f.refused_bound_ms = 5000;
    expect(&f, GEOHA_REPLICA_CURRENT, SCORE_CURRENT);
}

static void
replica_verdict_text__every_verdict(void **state)
{
    (void)state;
    for (int v = GEOHA_REPLICA_CURRENT; v <= GEOHA_REPLICA_STALE; v++) {
        assert_string_not_equal(geoha__mysql_replica_verdict_text(v), "?");
    }
    assert_string_equal(
        geoha__mysql_replica_verdict_text((enum geoha_replica_verdict)99), "?");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(replica_score__replicating_by_lag),
        cmocka_unit_test(
            replica_score__replicating_lag_unknown_keeps_the_score),
        cmocka_unit_test(replica_score__replicating_ignores_the_cut_off_facts),
        cmocka_unit_test(replica_score__cut_off_mariadb_positions),
        cmocka_unit_test(replica_score__cut_off_mysql_sets),
        cmocka_unit_test(replica_score__unreadable_gtids_never_score_current),
        cmocka_unit_test(replica_score__cut_off_too_long_is_stale),
        cmocka_unit_test(replica_score__semi_sync_cut_off),
        cmocka_unit_test(replica_score__untimed_loss_is_not_promotable),
        cmocka_unit_test(replica_score__refused_by_the_writer),
        cmocka_unit_test(replica_verdict_text__every_verdict),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
