/* Unit tests of lib/sql.c: the parts that need no server. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "geoha/sql.h"
#include "geoha/util.h"

static void
geoha_sql_optfile_parse__client(void **state)
{
    struct geoha_sql_account a;

    (void)state;
    assert_int_equal(geoha_sql_optfile_parse("# comment\n"
                                             "[mysqld]\nuser=mysql\n"
                                             "[client]\n"
                                             "user = repl\n"
                                             "password=s3cret # a comment\n"
                                             "ssl-ca=/etc/ssl/ca.pem\n"
                                             "ssl\n",
                                             NULL, &a),
                     0);
    assert_string_equal(a.user, "repl");
    assert_string_equal(a.password, "s3cret");
    assert_true(a.has_password);
    assert_string_equal(a.ssl_ca, "/etc/ssl/ca.pem");
    geoha_sql_account_clear(&a);
    assert_string_equal(a.password, "");
}

static void
geoha_sql_optfile_parse__quotes_and_groups(void **state)
{
    struct geoha_sql_account a;

    (void)state;
    assert_int_equal(geoha_sql_optfile_parse("[client]\nuser=a\n"
                                             "password='x#y'\n"
                                             "[geoha]\nuser=\"b c\"\n"
                                             "ssl_ca=\"/a\\\\b\"\n"
                                             "[other]\nuser=zzz\n",
                                             "geoha", &a),
                     0);
    assert_string_equal(a.user, "b c");
    assert_string_equal(a.password, "x#y");
    assert_string_equal(a.ssl_ca, "/a\\b");
    /* without the group, only [client] */
    assert_int_equal(geoha_sql_optfile_parse("[client]\nuser=a\n[geoha]\n"
                                             "user=b\n",
                                             NULL, &a),
                     0);
    assert_string_equal(a.user, "a");
    assert_false(a.has_password);
    geoha_sql_account_clear(&a);
}

/*
 * issue 17 items 2 and 3: MariaDB's rules (my_print_defaults): a backslash
 * before a character that is no escape stays; a quote that does not close
 * is part of the value. The old reader dropped the backslash, and the
 * replica's login was refused (1045) forever.
 */
static void
geoha_sql_optfile_parse__mariadb_rules(void **state)
{
    struct geoha_sql_account a;

    (void)state;
    assert_int_equal(geoha_sql_optfile_parse("[client]\nuser=repl\n"
                                             "password=Rp\\d9x\n",
                                             NULL, &a),
                     0);
    assert_string_equal(a.password, "Rp\\d9x");
    assert_int_equal(geoha_sql_optfile_parse("[client]\nuser='a'b\n"
                                             "password=\"abc\n",
                                             NULL, &a),
                     0);
    assert_string_equal(a.user, "'a'b");
    assert_string_equal(a.password, "\"abc");
    /* groups in the file's order, the last occurrence winning */
    assert_int_equal(geoha_sql_optfile_parse("[geoha]\nuser=g\n[client]\n"
                                             "user=c\n",
                                             "geoha", &a),
                     0);
    assert_string_equal(a.user, "c");
    geoha_sql_account_clear(&a);
}

static void
geoha_sql_optfile_parse__rejects(void **state)
{
    struct geoha_sql_account a;
    char big[GEOHA_SQL_PASSWORD_MAX + 64];

    (void)state;
    memset(&a, 0x5a, sizeof(a));
    a.user[0] = 'Q';
    assert_int_equal(geoha_sql_optfile_parse("[client\nuser=a\n", NULL, &a),
                     GEOHA_E_PARSE);
    assert_int_equal(geoha_sql_optfile_parse(
                         "[client]\nuser=a\n!include /etc/x.cnf\n", NULL, &a),
                     GEOHA_E_PARSE); /* issue 17 item 3: refused everywhere */
    assert_int_equal(
        geoha_sql_optfile_parse("[client]\npassword=x\n", NULL, &a),
        GEOHA_E_CONFIG);
    assert_int_equal(geoha_sql_optfile_parse("", NULL, &a), GEOHA_E_CONFIG);
    memset(big, 'p', sizeof(big));
    memcpy(big, "[client]\nuser=u\npassword=", 25);
    big[sizeof(big) - 1] = '\0';
    assert_int_equal(geoha_sql_optfile_parse(big, NULL, &a), GEOHA_E_TOOBIG);
    assert_int_equal(geoha_sql_optfile_parse(NULL, NULL, &a), -EINVAL);
    /* nothing written on failure */
    assert_int_equal(a.user[0], 'Q');
}

static void
geoha_sql_optfile_read__file(void **state)
{
    char path[] = "/tmp/geoha-test-sql-XXXXXX";
    struct geoha_sql_account a;
    int fd = mkstemp(path);

    (void)state;
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "[client]\nuser=r\npassword=p\n", 27), 27);
    close(fd);
    assert_int_equal(geoha_sql_optfile_read(path, NULL, &a), 0);
    assert_string_equal(a.user, "r");
    assert_string_equal(a.password, "p");
    geoha_sql_account_clear(&a);
    unlink(path);
    assert_int_equal(geoha_sql_optfile_read(path, NULL, &a), -ENOENT);
}

static char *
quoted(const char *s, bool nb)
{
    struct geoha_buf b;

    geoha_buf_init(&b, 0);
    assert_int_equal(geoha_sql_quote(&b, s, nb), 0);
    return geoha_buf_steal(&b);
}

static void
geoha_sql_quote__escapes(void **state)
{
    char *q;
    struct geoha_buf b;

    (void)state;
    q = quoted("plain", false);
    assert_string_equal(q, "'plain'");
    free(q);
    q = quoted("it's \\ \"x\"", false);
    assert_string_equal(q, "'it\\'s \\\\ \\\"x\\\"'");
    free(q);
    q = quoted("it's \\", true);
    assert_string_equal(q, "'it''s \\'");
    free(q);
    q = quoted("", false);
    assert_string_equal(q, "''");
    free(q);
    geoha_buf_init(&b, 0);
    assert_int_equal(geoha_sql_quote(&b, "a\nb", false), -EINVAL);
    assert_int_equal(geoha_sql_quote(&b, "a\x1a", false), -EINVAL);
    assert_int_equal(geoha_sql_quote(&b, "\x7f", false), -EINVAL);
    assert_int_equal(geoha_sql_quote(&b, NULL, false), -EINVAL);
    assert_null(b.data);
    /* a full buffer */
    geoha_buf_clear(&b);
    geoha_buf_init(&b, 4);
    assert_int_not_equal(geoha_sql_quote(&b, "abcdef", false), 0);
    geoha_buf_clear(&b);
}

static void
geoha_sql_replica_from_row__mariadb(void **state)
{
    const char *names[] = { "Slave_IO_State",    "Master_Host",
                            "Master_Port",       "Slave_IO_Running",
                            "Slave_SQL_Running", "Last_SQL_Errno",
                            "Last_SQL_Error",    "Seconds_Behind_Master",
                            "Last_IO_Errno",     "Last_IO_Error",
                            "Using_Gtid",        "Gtid_IO_Pos" };
    const char *values[] = {
        "Waiting",         "127.0.0.1", "3306", "Yes", "No",        "1062",
        "Duplicate entry", NULL,        "0",    "",    "Slave_Pos", "0-1-100"
    };
    struct geoha_sql_replica r;

    (void)state;
    assert_int_equal(geoha_sql_replica_from_row(names, values, 12, &r), 0);
    assert_true(r.configured);
    assert_string_equal(r.source_host, "127.0.0.1");
    assert_int_equal(r.source_port, 3306);
    assert_int_equal(r.io, GEOHA_SQL_THREAD_YES);
    assert_int_equal(r.sql, GEOHA_SQL_THREAD_NO);
    assert_int_equal(r.sql_errno, 1062);
    assert_string_equal(r.sql_error, "Duplicate entry");
    assert_int_equal(r.lag_s, -1);
    assert_true(r.gtid_mode);
    assert_string_equal(r.received, "0-1-100");
    geoha_sql_replica_clear(&r);
}

static void
geoha_sql_replica_from_row__mysql(void **state)
{
    const char *names[] = { "Source_Host",           "Source_Port",
                            "Replica_IO_Running",    "Replica_SQL_Running",
                            "Seconds_Behind_Source", "Retrieved_Gtid_Set",
                            "Auto_Position",         "Channel_Name" };
    const char *values[] = {
        "10.0.0.1", "3306", "Connecting",
        "Yes",      "12",   "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5",
        "1",        ""
    };
    struct geoha_sql_replica r;

    (void)state;
    assert_int_equal(geoha_sql_replica_from_row(names, values, 8, &r), 0);
    assert_int_equal(r.io, GEOHA_SQL_THREAD_CONNECTING);
    assert_int_equal(r.sql, GEOHA_SQL_THREAD_YES);
    assert_int_equal(r.lag_s, 12);
    assert_true(r.gtid_mode);
    assert_string_equal(r.received, "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5");
    geoha_sql_replica_clear(&r);
}

static void
geoha_sql_replica_from_row__rejects(void **state)
{
    const char *names[] = { "Slave_IO_Running", "Slave_SQL_Running",
                            "Seconds_Behind_Master" };
    const char *bad_lag[] = { "Yes", "Yes", "-5" };
    const char *names2[] = { "Master_Port", "Slave_IO_Running",
                             "Slave_SQL_Running" };
    const char *bad_port[] = { "70000", "Yes", "Yes" };
    const char *names3[] = { "Foo", "Bar" };
    const char *vals3[] = { "1", "2" };
    struct geoha_sql_replica r;

    (void)state;
    memset(&r, 0, sizeof(r));
    assert_int_equal(geoha_sql_replica_from_row(names, bad_lag, 3, &r),
                     GEOHA_E_PROTOCOL);
    assert_int_equal(geoha_sql_replica_from_row(names2, bad_port, 3, &r),
                     GEOHA_E_PROTOCOL);
    assert_int_equal(geoha_sql_replica_from_row(names3, vals3, 2, &r),
                     GEOHA_E_PROTOCOL);
    assert_int_equal(geoha_sql_replica_from_row(NULL, vals3, 2, &r), -EINVAL);
    assert_false(r.configured);
}

static void
geoha_sql_connect__refused(void **state)
{
    struct geoha_sql_target t = { .socket = "/nonexistent/geoha.sock" };
    struct geoha_deadline d;
    struct geoha_sql *c = NULL;
    char why[256];

    (void)state;
    geoha_deadline_init(&d, 2000);
    assert_int_equal(geoha_sql_connect(&t, &d, why, sizeof(why), &c),
                     GEOHA_E_NOT_RUNNING);
    assert_null(c);
    assert_true(strlen(why) > 0);
    t.socket = NULL;
    assert_int_equal(geoha_sql_connect(&t, &d, why, sizeof(why), &c), -EINVAL);
    geoha_deadline_init(&d, 0);
    t.host = "127.0.0.1";
    t.port = 1;
    assert_int_equal(geoha_sql_connect(&t, &d, why, sizeof(why), &c),
                     GEOHA_E_DEADLINE);
    geoha_sql_close(NULL);
}

/* A TCP socket bound on 127.0.0.1 (listening or not); its port in *port. */
static int
loopback_socket(bool listening, int *port)
{
    struct sockaddr_in sa = { 0 };
    socklen_t len = sizeof(sa);
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    assert_true(fd >= 0);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    if (listening) {
        assert_int_equal(listen(fd, 4), 0);
    }
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    *port = ntohs(sa.sin_port);
    return fd;
}

/*
 * review-10: Connector/C reports a refused TCP connection as 2002 "(115)"
 * (EINPROGRESS), which used to come back as -ETIMEDOUT; a refused port is
 * GEOHA_E_NOT_RUNNING, exactly as a missing socket. The port is bound (not
 * listening) for the whole test, so nobody else can take it.
 */
static void
geoha_sql_connect__tcp_refused(void **state)
{
    struct geoha_sql_target t = { .host = "127.0.0.1" };
    struct geoha_deadline d;
    struct geoha_sql *c = NULL;
    char why[256];
    int fd = loopback_socket(false, &t.port);

    (void)state;
    geoha_deadline_init(&d, 5000);
    assert_int_equal(geoha_sql_connect(&t, &d, why, sizeof(why), &c),
                     GEOHA_E_NOT_RUNNING);
    assert_null(c);
    assert_true(strlen(why) > 0);
    close(fd);
}

/*
 * review-10: a name that does not resolve is "unreachable", not a server's
 * answer (it used to be GEOHA_E_REMOTE).
 */
static void
geoha_sql_connect__unknown_host(void **state)
{
    struct geoha_sql_target t = { .host = "geoha-no-such-host.invalid",
                                  .port = 3306 };
    struct geoha_deadline d;
    struct geoha_sql *c = NULL;
    char why[256];

    (void)state;
    geoha_deadline_init(&d, 5000);
    assert_int_equal(geoha_sql_connect(&t, &d, why, sizeof(why), &c),
                     -EHOSTUNREACH);
    assert_null(c);
}

/*
 * review-9 and review-10: something accepts the TCP connection but never
 * speaks (a hung server): -ECONNRESET (something listens, so it is not
 * "not running"), and the wait stays inside a 1.9 s deadline (the library
 * timeout used to be rounded up to 2 s).
 */
static void
geoha_sql_connect__silent_server_inside_deadline(void **state)
{
    struct geoha_sql_target t = { .host = "127.0.0.1" };
    struct geoha_deadline d;
    struct geoha_sql *c = NULL;
    char why[256];
    int fd = loopback_socket(true, &t.port);
    int64_t t0;

    (void)state;
    geoha_deadline_init(&d, 1900);
    t0 = geoha_now_ms();
    assert_int_equal(geoha_sql_connect(&t, &d, why, sizeof(why), &c),
                     -ECONNRESET);
    assert_true(geoha_now_ms() - t0 < 1900);
    assert_false(geoha_deadline_expired(&d));
    assert_null(c);
    close(fd);
}

static void
geoha_sql_semisync_add__mariadb(void **state)
{
    /* SHOW GLOBAL VARIABLES then SHOW GLOBAL STATUS of MariaDB 10.11 */
    static const char *const rows[][2] = {
        { "rpl_semi_sync_master_enabled", "ON" },
        { "rpl_semi_sync_master_timeout", "30000" },
        { "rpl_semi_sync_master_trace_level", "32" },
        { "rpl_semi_sync_master_wait_no_slave", "ON" },
        { "rpl_semi_sync_master_wait_point", "AFTER_SYNC" },
        { "rpl_semi_sync_slave_delay_master", "OFF" },
        { "rpl_semi_sync_slave_enabled", "OFF" },
        { "Rpl_semi_sync_master_clients", "1" },
        { "Rpl_semi_sync_master_net_avg_wait_time", "0" },
        { "Rpl_semi_sync_master_status", "ON" },
        { "Rpl_semi_sync_master_wait_sessions", "2" },
        { "Rpl_semi_sync_slave_status", "OFF" },
    };
    struct geoha_sql_semisync s;

    (void)state;
    geoha_sql_semisync_init(&s);
    assert_int_equal(s.clients, -1);
    assert_false(s.source_available);
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        assert_int_equal(geoha_sql_semisync_add(&s, rows[i][0], rows[i][1]), 0);
    }
    assert_true(s.source_available);
    assert_true(s.replica_available);
    assert_true(s.source_enabled);
    assert_true(s.source_active);
    assert_true(s.wait_no_replica);
    assert_false(s.replica_enabled);
    assert_false(s.replica_active);
    assert_int_equal(s.timeout_ms, 30000);
    assert_int_equal(s.clients, 1);
    assert_int_equal(s.waiting, 2);
    assert_string_equal(s.wait_point, "AFTER_SYNC");
    assert_string_equal(s.source_word, "master");
    assert_string_equal(s.replica_word, "slave");
}

static void
geoha_sql_semisync_add__mysql(void **state)
{
    struct geoha_sql_semisync s;

    (void)state;
    /* MySQL 8.0.26+ with semisync_source and semisync_replica loaded */
    geoha_sql_semisync_init(&s);
    assert_int_equal(
        geoha_sql_semisync_add(&s, "rpl_semi_sync_source_enabled", "OFF"), 0);
    assert_int_equal(geoha_sql_semisync_add(
                         &s, "rpl_semi_sync_source_wait_no_replica", "OFF"),
                     0);
    assert_int_equal(geoha_sql_semisync_add(
                         &s, "rpl_semi_sync_source_wait_point", "after_commit"),
                     0);
    assert_int_equal(
        geoha_sql_semisync_add(&s, "Rpl_semi_sync_replica_status", "ON"), 0);
    assert_int_equal(
        geoha_sql_semisync_add(&s, "RPL_SEMI_SYNC_REPLICA_ENABLED", "1"), 0);
    assert_true(s.source_available);
    assert_false(s.source_enabled);
    assert_false(s.wait_no_replica);
    assert_string_equal(s.wait_point, "AFTER_COMMIT");
    assert_string_equal(s.source_word, "source");
    assert_string_equal(s.replica_word, "replica");
    assert_true(s.replica_enabled);
    assert_true(s.replica_active);
    /* MySQL without the plugins: nothing at all */
    geoha_sql_semisync_init(&s);
    assert_int_equal(geoha_sql_semisync_add(&s, "read_only", "ON"), 0);
    assert_int_equal(geoha_sql_semisync_add(&s, "rpl_semi_sync", "ON"), 0);
    assert_int_equal(geoha_sql_semisync_add(&s, "rpl_semi_sync_other_x", "1"),
                     0);
    assert_false(s.source_available);
    assert_false(s.replica_available);
    /* only the replica plugin */
    assert_int_equal(
        geoha_sql_semisync_add(&s, "rpl_semi_sync_slave_enabled", "ON"), 0);
    assert_false(s.source_available);
    assert_true(s.replica_available);
}

static void
geoha_sql_semisync_add__rejects(void **state)
{
    struct geoha_sql_semisync s;

    (void)state;
    geoha_sql_semisync_init(&s);
    assert_int_equal(geoha_sql_semisync_add(NULL, "x", "y"), -EINVAL);
    assert_int_equal(geoha_sql_semisync_add(&s, NULL, "y"), -EINVAL);
    assert_int_equal(
        geoha_sql_semisync_add(&s, "rpl_semi_sync_master_enabled", "maybe"),
        GEOHA_E_PROTOCOL);
    assert_int_equal(
        geoha_sql_semisync_add(&s, "rpl_semi_sync_master_enabled", NULL),
        GEOHA_E_PROTOCOL);
    assert_int_equal(
        geoha_sql_semisync_add(&s, "rpl_semi_sync_master_timeout", "-5"),
        GEOHA_E_PROTOCOL);
    assert_int_equal(
        geoha_sql_semisync_add(&s, "Rpl_semi_sync_master_clients", "two"),
        GEOHA_E_PROTOCOL);
    assert_int_equal(geoha_sql_semisync_add(
                         &s, "rpl_semi_sync_master_wait_point", "AFTER_LUNCH"),
                     GEOHA_E_PROTOCOL);
    assert_int_equal(s.timeout_ms, -1);
    assert_int_equal(s.clients, -1);
    assert_string_equal(s.wait_point, "");
}

static void
geoha_sql_semisync_source_stmt__spellings(void **state)
{
    struct geoha_sql_semisync s;
    struct geoha_buf b;

    (void)state;
    geoha_sql_semisync_init(&s);
    geoha_buf_init(&b, 0);
    assert_int_equal(geoha_sql_semisync_source_stmt(&s, true, 1000, &b),
                     GEOHA_E_NOT_INSTALLED);
    assert_int_equal(geoha_sql_semisync_source_stmt(NULL, true, 1000, &b),
                     -EINVAL);
    assert_int_equal(
        geoha_sql_semisync_add(&s, "rpl_semi_sync_master_enabled", "OFF"), 0);
    assert_int_equal(geoha_sql_semisync_source_stmt(&s, true, 0, &b), -EINVAL);
    assert_int_equal(
        geoha_sql_semisync_source_stmt(&s, true, 400LL * 86400 * 1000, &b),
        -EINVAL);
    assert_int_equal(geoha_sql_semisync_source_stmt(&s, true, 30000, &b), 0);
    assert_string_equal(b.data, "SET GLOBAL rpl_semi_sync_master_wait_point="
                                "AFTER_SYNC, rpl_semi_sync_master_wait_no_"
                                "slave=ON, rpl_semi_sync_master_timeout=30000, "
                                "rpl_semi_sync_master_enabled=ON");
    geoha_buf_clear(&b);
    geoha_buf_init(&b, 0);
    assert_int_equal(geoha_sql_semisync_source_stmt(&s, false, 0, &b), 0);
    assert_string_equal(b.data, "SET GLOBAL rpl_semi_sync_master_enabled=OFF");
    geoha_buf_clear(&b);
    geoha_sql_semisync_init(&s);
    assert_int_equal(
        geoha_sql_semisync_add(&s, "Rpl_semi_sync_source_status", "OFF"), 0);
    geoha_buf_init(&b, 0);
    assert_int_equal(geoha_sql_semisync_source_stmt(&s, true, 5, &b), 0);
    assert_string_equal(b.data, "SET GLOBAL rpl_semi_sync_source_wait_point="
                                "AFTER_SYNC, rpl_semi_sync_source_wait_no_"
                                "replica=ON, rpl_semi_sync_source_timeout=5, "
                                "rpl_semi_sync_source_enabled=ON");
    geoha_buf_clear(&b);
}

static void
geoha_sql_origin_parse__both_servers(void **state)
{
    (void)state;
    assert_int_equal(geoha_sql_origin_parse(NULL), GEOHA_SQL_ORIGIN_UNKNOWN);
    assert_int_equal(geoha_sql_origin_parse(""), GEOHA_SQL_ORIGIN_UNKNOWN);
    assert_int_equal(geoha_sql_origin_parse("BOGUS"), GEOHA_SQL_ORIGIN_UNKNOWN);
    /* MariaDB GLOBAL_VALUE_ORIGIN */
    assert_int_equal(geoha_sql_origin_parse("COMPILE-TIME"),
                     GEOHA_SQL_ORIGIN_DEFAULT);
    assert_int_equal(geoha_sql_origin_parse("CONFIG"), GEOHA_SQL_ORIGIN_BOOT);
    assert_int_equal(geoha_sql_origin_parse("COMMAND-LINE"),
                     GEOHA_SQL_ORIGIN_BOOT);
    assert_int_equal(geoha_sql_origin_parse("SQL"), GEOHA_SQL_ORIGIN_RUNTIME);
    /* MySQL VARIABLE_SOURCE */
    assert_int_equal(geoha_sql_origin_parse("COMPILED"),
                     GEOHA_SQL_ORIGIN_DEFAULT);
    assert_int_equal(geoha_sql_origin_parse("explicit"), GEOHA_SQL_ORIGIN_BOOT);
    assert_int_equal(geoha_sql_origin_parse("PERSISTED"),
                     GEOHA_SQL_ORIGIN_BOOT);
    assert_int_equal(geoha_sql_origin_parse("DYNAMIC"),
                     GEOHA_SQL_ORIGIN_RUNTIME);
}

/* issue 17 item 1: TLS options as MariaDB's clients read them */
static void
geoha_sql_tls_parse__spellings(void **state)
{
    static const struct {
        const char *text;
        const char *group;
        bool configured, verify;
    } cases[] = {
        { "[client]\nuser=x\n", NULL, false, false },
        { "[client]\nssl-ca=/ca.pem\n", NULL, true, false },
        { "[client]\nssl_ca = \"/ca.pem\" # ca\n", NULL, true, false },
        { "[client]\nloose-ssl-cert=/c.pem\n", NULL, true, false },
        { "[client-server]\nssl-key=/k.pem\n", NULL, true, false },
        { "[client-mariadb]\nssl-capath=/etc/ssl/certs\n", NULL, true, false },
        { "[geoha]\nssl-cipher=AES\n", "geoha", true, false },
        { "[geoha]\nssl-cipher=AES\n", NULL, false, false },
        { "[mysql]\nssl-ca=/ca.pem\n", NULL, false, false },
        { "[client]\nssl-ca=\n", NULL, false, false },
        { "[client]\nssl\n", NULL, true, false },
        { "[client]\nssl=1\n", NULL, true, false },
        { "[client]\nssl=0\n", NULL, false, false },
        { "[client]\nskip-ssl\n", NULL, false, false },
        /* a path given: "ssl=0" never means plain text */
        { "[client]\nssl-ca=/ca.pem\nssl=0\n", NULL, true, false },
        { "[client]\nssl-verify-server-cert\n", NULL, true, true },
        { "[client]\nssl-verify-server-cert=1\n", NULL, true, true },
        { "[client]\nssl_verify_server_cert=ON\n", NULL, true, true },
        { "[client]\nenable-ssl-verify-server-cert\n", NULL, true, true },
        { "[client]\nssl-verify-server-cert=TRUE\n", NULL, true, true },
        { "[client]\nssl-verify-server-cert=yes\n", NULL, false, false },
        { "[client]\nssl-verify-server-cert=0\n", NULL, false, false },
        { "[client]\nssl-verify-server-cert=OFF\n", NULL, false, false },
        { "[client]\nssl-verify-server-cert\n"
          "skip-ssl-verify-server-cert\n",
          NULL, false, false },
        { "[client]\ndisable-ssl-verify-server-cert\n"
          "ssl-verify-server-cert\n",
          NULL, true, true },
        { "[client]\nssl-ca=/ca.pem\nssl-verify-server-cert=0\n", NULL, true,
          false },
    };
    struct geoha_sql_tls t;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        memset(&t, 0x5a, sizeof(t));
        if (geoha_sql_tls_parse(cases[i].text, cases[i].group, &t) != 0
            || t.configured != cases[i].configured
            || t.verify_asked != cases[i].verify) {
            fail_msg("case %zu: %s", i, cases[i].text);
        }
    }
    assert_int_equal(geoha_sql_tls_parse("[client]\nloose-ssl-ca=/a\n"
                                         "ssl-ca = '/b c'\n"
                                         "ssl-capath=/p\nssl-cert=/c\n"
                                         "ssl-key=/k\nssl-crl=/r\n"
                                         "ssl-crlpath=/rp\n"
                                         "tls_version=TLSv1.3\n",
                                         NULL, &t),
                     0);
    assert_string_equal(t.ca, "/b c");
    assert_string_equal(t.capath, "/p");
    assert_string_equal(t.cert, "/c");
    assert_string_equal(t.key, "/k");
    assert_string_equal(t.crl, "/r");
    assert_string_equal(t.crlpath, "/rp");
    assert_string_equal(t.tls_version, "TLSv1.3");
    assert_string_equal(t.cipher, "");
    assert_int_equal(
        geoha_sql_tls_parse("[client]\n!include /etc/x.cnf\n", NULL, &t),
        GEOHA_E_PARSE);
    assert_int_equal(geoha_sql_tls_parse(NULL, NULL, &t), -EINVAL);
}

/* the replication account carries its TLS options for CHANGE MASTER */
static void
geoha_sql_optfile_parse__tls(void **state)
{
    struct geoha_sql_account a;

    (void)state;
    assert_int_equal(geoha_sql_optfile_parse("[client]\nuser=repl\n"
                                             "ssl-ca=/ca.pem\n"
                                             "ssl-verify-server-cert=0\n",
                                             NULL, &a),
                     0);
    assert_true(a.tls.configured);
    assert_false(a.tls.verify_asked);
    assert_string_equal(a.ssl_ca, "/ca.pem");
    assert_string_equal(a.tls.ca, "/ca.pem");
    assert_int_equal(
        geoha_sql_optfile_parse("[client]\nuser=repl\nssl\n", NULL, &a), 0);
    assert_true(a.tls.configured);
    assert_string_equal(a.ssl_ca, "");
    assert_int_equal(geoha_sql_optfile_parse("[client]\nuser=repl\n", NULL, &a),
                     0);
    assert_false(a.tls.configured);
    geoha_sql_account_clear(&a);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(geoha_sql_optfile_parse__client),
        cmocka_unit_test(geoha_sql_optfile_parse__quotes_and_groups),
        cmocka_unit_test(geoha_sql_optfile_parse__rejects),
        cmocka_unit_test(geoha_sql_optfile_parse__mariadb_rules),
        cmocka_unit_test(geoha_sql_optfile_read__file),
        cmocka_unit_test(geoha_sql_quote__escapes),
        cmocka_unit_test(geoha_sql_replica_from_row__mariadb),
        cmocka_unit_test(geoha_sql_replica_from_row__mysql),
        cmocka_unit_test(geoha_sql_replica_from_row__rejects),
        cmocka_unit_test(geoha_sql_connect__refused),
        cmocka_unit_test(geoha_sql_connect__tcp_refused),
        cmocka_unit_test(geoha_sql_connect__unknown_host),
        cmocka_unit_test(geoha_sql_connect__silent_server_inside_deadline),
        cmocka_unit_test(geoha_sql_semisync_add__mariadb),
        cmocka_unit_test(geoha_sql_semisync_add__mysql),
        cmocka_unit_test(geoha_sql_semisync_add__rejects),
        cmocka_unit_test(geoha_sql_semisync_source_stmt__spellings),
        cmocka_unit_test(geoha_sql_origin_parse__both_servers),
        cmocka_unit_test(geoha_sql_tls_parse__spellings),
        cmocka_unit_test(geoha_sql_optfile_parse__tls),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
