/*
 * geoha: the SQL layer over MariaDB Connector/C (libmariadb), shared by
 * every backend of ocf:geoha:mysql.
 *
 * One connection per action. Credentials come from a MySQL option file
 * (MYSQL_READ_DEFAULT_FILE, group [client] plus an optional extra group),
 * never from a command line; TLS options in that file (ssl-ca, ...) are
 * honoured, which is what Azure Database for MySQL needs. Connect, read and
 * write timeouts come from the caller's deadline, so no call outlives the
 * operation.
 *
 * Both MariaDB and MySQL 8 are spoken: the flavour and version come from
 * the handshake, statements are chosen for them (SHOW REPLICA STATUS or
 * SHOW SLAVE STATUS, CHANGE REPLICATION SOURCE or CHANGE MASTER, ...), and
 * result columns are read by name in either spelling
 * (Seconds_Behind_Master or Seconds_Behind_Source, ...).
 *
 * Results: 0 or a negative code. GEOHA_E_NOT_RUNNING: nothing listens
 * (socket missing or refused, TCP connection refused: the host answered and
 * no server listens on the port) — that address certainly takes no writes.
 * -EHOSTUNREACH: no route to the host, or its name does not resolve.
 * -ETIMEDOUT: the TCP connection was not accepted in time (nothing
 * answered; the server may well be running). -ECONNRESET: a connection was
 * made but broke, or the server did not finish the handshake in time, and
 * the port still accepts connections: something listens (a handshake reset
 * by a server that is going away, its port then refused, is
 * GEOHA_E_NOT_RUNNING). GEOHA_E_AUTH: credentials refused. GEOHA_E_REMOTE:
 * the server refused a statement or the connection (too many connections,
 * host not allowed, ...; see geoha_sql_error()): it is running.
 * GEOHA_E_PARSE / GEOHA_E_PROTOCOL: an answer that makes no sense.
 * -EINVAL: bad arguments. Output parameters are written only on success.
 * Nothing here logs; no error text ever holds a password.
 */
#ifndef GEOHA_SQL_H
#define GEOHA_SQL_H

#include <stdbool.h>
#include <stddef.h>

#include "geoha/map.h"
#include "geoha/util.h"

#define GEOHA_SQL_USER_MAX 129
#define GEOHA_SQL_PASSWORD_MAX 1025
#define GEOHA_SQL_PATH_MAX 4096
#define GEOHA_SQL_ERROR_MAX 512
#define GEOHA_SQL_OPTFILE_MAX (64u * 1024u) /* bytes of an option file */
#define GEOHA_SQL_CIPHER_MAX 1024
#define GEOHA_SQL_TLS_VERSION_MAX 64

enum geoha_sql_flavour {
    GEOHA_SQL_MARIADB = 1,
    GEOHA_SQL_MYSQL = 2,
};

/* ---- option files (pure; for replication credentials) ---- */

/*
 * TLS as an option file configures it, read as MariaDB's own clients read
 * it (lib/mycnf.c; issue 17 item 1). Every option may be spelt with '_'
 * or '-' and with the "loose-" prefix; a boolean option named alone is on,
 * "skip-", "disable-" (off) and "enable-" (on) prefixes and the values
 * 1/0, ON/OFF, TRUE/FALSE are read as my_getopt reads them.
 */
struct geoha_sql_tls {
    /*
     * TLS is used: a non-empty ssl-ca, ssl-capath, ssl-cert, ssl-key,
     * ssl-cipher, ssl-crl, ssl-crlpath or tls-version, or ssl or
     * ssl-verify-server-cert on. "ssl=0" / "skip-ssl" does not turn it off
     * again once one of those paths is given: geoha never falls back to a
     * connection without TLS when the file names TLS material.
     */
    bool configured;
    /* ssl-verify-server-cert on: only informative, since geoha verifies
     * the server's name whenever TLS is used (see geoha_sql_connect) */
    bool verify_asked;
    char ca[GEOHA_SQL_PATH_MAX]; /* "" when not given, as all below */
    char capath[GEOHA_SQL_PATH_MAX];
    char cert[GEOHA_SQL_PATH_MAX];
    char key[GEOHA_SQL_PATH_MAX];
    char crl[GEOHA_SQL_PATH_MAX];
    char crlpath[GEOHA_SQL_PATH_MAX];
    char cipher[GEOHA_SQL_CIPHER_MAX];
    char tls_version[GEOHA_SQL_TLS_VERSION_MAX];
};

/*
 * The TLS options of [client], [client-server], [client-mariadb] and
 * [group] (NULL: none) of an option file's text, the groups Connector/C
 * reads. GEOHA_E_PARSE for a line that cannot be read (also !include),
 * GEOHA_E_TOOBIG for a value longer than its field.
 */
int geoha_sql_tls_parse(const char *text, const char *group,
                        struct geoha_sql_tls *out);

/* What geoha takes from an option file. Holds a secret: clear it. */
struct geoha_sql_account {
    char user[GEOHA_SQL_USER_MAX];
    char password[GEOHA_SQL_PASSWORD_MAX];
    char ssl_ca[GEOHA_SQL_PATH_MAX]; /* "" when not given (= tls.ca) */
    bool has_password;
    /* TLS for the replica's connection to its source: when configured,
     * CHANGE MASTER asks for TLS and verifies the source's certificate and
     * name (MASTER_SSL=1, MASTER_SSL_VERIFY_SERVER_CERT=1) */
    struct geoha_sql_tls tls;
};

/*
 * Read [client] and [group] (NULL: only [client]) of an option file's
 * text in the file's order, the last value of a key winning; "ssl-ca" and
 * "ssl_ca" are the same key; the TLS options as geoha_sql_tls_parse()
 * reads them, from the same groups. Read by lib/mycnf.c, MariaDB's rules
 * (issue 17 item 3); "!include" lines are refused (GEOHA_E_PARSE, as a
 * malformed line), GEOHA_E_TOOBIG for a value longer than its field,
 * GEOHA_E_CONFIG when no user is given.
 */
int geoha_sql_optfile_parse(const char *text, const char *group,
                            struct geoha_sql_account *out);

/* The same for a file of at most GEOHA_SQL_OPTFILE_MAX bytes. */
int geoha_sql_optfile_read(const char *path, const char *group,
                           struct geoha_sql_account *out);

/* Wipe the secret. */
void geoha_sql_account_clear(struct geoha_sql_account *a);

/*
 * Append s to b as a quoted SQL string literal. With no_backslash (the
 * server's NO_BACKSLASH_ESCAPES mode) only quotes are doubled; otherwise
 * backslash escapes are used. Control characters other than tab are
 * refused (-EINVAL): none belongs in a host, user, password or GTID.
 */
int geoha_sql_quote(struct geoha_buf *b, const char *s, bool no_backslash);

/* ---- connections ---- */

struct geoha_sql_target {
    const char *defaults_file; /* option file with [client]; may be NULL */
    const char *group;         /* extra option group, or NULL */
    const char *socket;        /* a local socket, or NULL for host:port */
    const char *host;
    int port;
    /*
     * TLS with verification of the certificate and of host even when the
     * option file configures none (then against the system's CAs): for
     * servers that always speak TLS with a public certificate, such as
     * Azure Database for MySQL (see agents/mysql/README.md).
     */
    bool tls_required;
};

struct geoha_sql;

/*
 * Connect within the deadline: the client library's timeouts are whole
 * seconds, rounded down (at least 1 s). The option file is read by
 * lib/mycnf.c (MariaDB's rules; never by Connector/C, whose reading
 * differs: it reads a lone "ssl-verify-server-cert" as off, ignores "ssl",
 * drops unknown backslash escapes and follows !include): user, password
 * and the TLS options of geoha_sql_tls_parse(); host, port and socket
 * come from t, other client options are not used. A file that cannot be
 * read that way is refused (GEOHA_E_CONFIG, the line in why). When TLS is
 * configured, a TCP connection verifies the server's certificate chain and
 * that it names t->host (issue 17 item 1), whatever
 * ssl-verify-server-cert says, and never falls back to a connection
 * without TLS; a failed verification is GEOHA_E_REMOTE (something
 * answers) with why naming the TLS problem. On failure, why (may be NULL)
 * receives one line for the operator (the client library's message, no
 * secrets). When a TCP connection fails and the library does not say
 * exactly why (Connector/C often reports EINPROGRESS), one more bare TCP
 * connection to host:port finds out, so that "refused" is told apart from
 * "unreachable" and "no answer".
 */
int geoha_sql_connect(const struct geoha_sql_target *t,
                      const struct geoha_deadline *d, char *why,
                      size_t why_size, struct geoha_sql **out);

void geoha_sql_close(struct geoha_sql *c);

enum geoha_sql_flavour geoha_sql_flavour(const struct geoha_sql *c);
/* Version as major*10000 + minor*100 + patch, e.g. 101119. */
unsigned long geoha_sql_version(const struct geoha_sql *c);
/* MySQL 5.7.8 and later have super_read_only; MariaDB has not. */
bool geoha_sql_has_super_read_only(const struct geoha_sql *c);
/* The last error: "(errno) message", or "" when none. */
const char *geoha_sql_error(const struct geoha_sql *c);
unsigned geoha_sql_errno(const struct geoha_sql *c);

/* Run one statement and discard any result. */
int geoha_sql_exec(struct geoha_sql *c, const char *stmt);

/*
 * The first column of the first row of a query (heap, caller frees);
 * *value is NULL for SQL NULL. -ENOENT when there is no row.
 */
int geoha_sql_query_value(struct geoha_sql *c, const char *query, char **value);

/* ---- server state ---- */

struct geoha_sql_status {
    bool read_only;
    bool super_read_only; /* false where the server has none */
    unsigned long server_id;
    /*
     * Everything the server holds, as a GTID *state* (for errant
     * transaction checks): MariaDB @@gtid_binlog_state, MySQL
     * @@gtid_executed.
     */
    char *gtid_state;
    /*
     * Its GTID *position* (what a replica of it must reach): MariaDB
     * @@gtid_binlog_pos and @@gtid_slave_pos merged per domain, MySQL
     * @@gtid_executed.
     */
    char *gtid_pos;
    /* MariaDB only: @@gtid_slave_pos (what replication applied). */
    char *gtid_slave_pos;
    char *gtid_binlog_pos;
};

/* One query: read-only flags, server id and GTID sets. */
int geoha_sql_status_get(struct geoha_sql *c, struct geoha_sql_status *out);
void geoha_sql_status_clear(struct geoha_sql_status *st);

/*
 * read_only (and super_read_only where it exists) on or off. Turning it on
 * waits for commits in progress, bounded by the deadline through
 * lock_wait_timeout. Reads the values back and returns GEOHA_E_STATE when
 * they did not take.
 */
int geoha_sql_set_read_only(struct geoha_sql *c, bool on,
                            const struct geoha_deadline *d);

/* ---- replication ---- */

enum geoha_sql_thread {
    GEOHA_SQL_THREAD_NO = 0,
    GEOHA_SQL_THREAD_YES,
    GEOHA_SQL_THREAD_CONNECTING, /* Connecting / Preparing */
};

struct geoha_sql_replica {
    bool configured; /* SHOW ... STATUS returned a row */
    char source_host[GEOHA_HOST_MAX];
    int source_port;
    enum geoha_sql_thread io, sql;
    long long lag_s; /* Seconds_Behind_*; -1 for NULL */
    unsigned io_errno, sql_errno;
    char io_error[GEOHA_SQL_ERROR_MAX];
    char sql_error[GEOHA_SQL_ERROR_MAX];
    bool gtid_mode; /* Using_Gtid is not No / Auto_Position is 1 */
    /* Master_SSL_Allowed / Source_SSL_Allowed is Yes, and
     * Master_SSL_Verify_Server_Cert / Source_SSL_Verify_Server_Cert */
    bool ssl, ssl_verify;
    /* What the IO thread received: MariaDB Gtid_IO_Pos (a position),
     * MySQL Retrieved_Gtid_Set. Heap or NULL. */
    char *received;
    /* Where the IO thread has read the source's binary log up to. */
    char read_file[256];
    unsigned long long read_pos;
};

/*
 * Fill r from one row of SHOW SLAVE/REPLICA STATUS given as column names
 * and values (a NULL value is SQL NULL). Either spelling of every column is
 * accepted. Exposed for tests and for other backends.
 */
int geoha_sql_replica_from_row(const char *const names[],
                               const char *const values[], size_t n,
                               struct geoha_sql_replica *r);

/* The default replication channel's status; configured=false if none. */
int geoha_sql_replica_status(struct geoha_sql *c, struct geoha_sql_replica *r);
void geoha_sql_replica_clear(struct geoha_sql_replica *r);

struct geoha_sql_source {
    const char *host;
    int port;
    const struct geoha_sql_account *account; /* user, password, ssl_ca */
    int connect_retry_s;                     /* 0: server default */
    /* How often an idle source sends a heartbeat; 0: server default */
    int heartbeat_s;
};

/*
 * Point replication at src with GTID auto-positioning (MariaDB
 * MASTER_USE_GTID=slave_pos, MySQL SOURCE_AUTO_POSITION=1). Replication
 * must be stopped. The statement holds the password: it is wiped after
 * use and never part of an error, and it is run with sql_log_off=ON for
 * the session so that the general query log never sees it (GEOHA_E_UNSAFE
 * when the account may not set that while the general log is on).
 */
int geoha_sql_change_source(struct geoha_sql *c,
                            const struct geoha_sql_source *src);
/*
 * How many heartbeats the IO thread has received from its source since the
 * server started (MariaDB Slave_received_heartbeats, MySQL
 * performance_schema.replication_connection_status). With read_file and
 * read_pos it tells whether the IO thread still hears from its source.
 */
int geoha_sql_replica_heartbeats(struct geoha_sql *c, unsigned long long *out);

int geoha_sql_replica_start(struct geoha_sql *c);
int geoha_sql_replica_stop(struct geoha_sql *c);
/* Forget the source and relay logs (RESET SLAVE/REPLICA ALL). */
int geoha_sql_replica_reset(struct geoha_sql *c);

/*
 * MariaDB: set @@gtid_slave_pos (replication stopped) so a replica resumes
 * from pos; used when a former writer whose own transactions are only in
 * its binary log joins a new writer.
 */
int geoha_sql_set_slave_pos(struct geoha_sql *c, const char *pos);

/*
 * Wait until replication has applied pos (MASTER_GTID_WAIT or
 * WAIT_FOR_EXECUTED_GTID_SET), at most timeout_ms. 0 when reached,
 * GEOHA_E_DEADLINE when not in time, GEOHA_E_PARSE for a bad pos.
 */
int geoha_sql_wait_gtid(struct geoha_sql *c, const char *pos,
                        int64_t timeout_ms);

/*
 * Wait until no other session holds an open transaction that changed rows,
 * until the deadline. *open (may be NULL) gets the number still open; 0
 * when none are left, GEOHA_E_DEADLINE when some still are.
 */
int geoha_sql_wait_writes_done(struct geoha_sql *c,
                               const struct geoha_deadline *d, unsigned *open);

/*
 * Prove the server takes writes: read_only must be off and a row in
 * geoha.writer_check (created when missing) is replaced with node and the
 * time. GEOHA_E_STATE when read_only is on.
 */
int geoha_sql_verify_write(struct geoha_sql *c, const char *node);

/* ---- semi-synchronous replication ---- */

/*
 * What a server says about semi-synchronous replication. MariaDB has it
 * built in (rpl_semi_sync_master_* and _slave_*); MySQL only with its
 * plugins loaded: semisync_source and semisync_replica (rpl_semi_sync_source_*,
 * _replica_*) or the older semisync_master and semisync_slave. The words
 * this server uses are kept, so statements are spelt its way.
 */
struct geoha_sql_semisync {
    bool source_available;  /* the writer side exists (built in / loaded) */
    bool replica_available; /* the replica side exists */
    bool source_enabled;    /* rpl_semi_sync_{master,source}_enabled */
    /* Rpl_semi_sync_{master,source}_status: commits wait for an ack now
     * (it turns off when a wait times out, on when a replica caught up) */
    bool source_active;
    bool wait_no_replica; /* waits the timeout even with no replica */
    bool replica_enabled; /* rpl_semi_sync_{slave,replica}_enabled */
    bool replica_active;  /* Rpl_semi_sync_{slave,replica}_status */
    long long timeout_ms; /* -1 when not known */
    long long clients;    /* semi-sync replicas connected; -1 unknown */
    long long waiting;    /* sessions waiting for an ack; -1 unknown */
    char wait_point[16];  /* "AFTER_SYNC", "AFTER_COMMIT" or "" */
    char source_word[8];  /* "master" or "source" */
    char replica_word[8]; /* "slave" or "replica" */
};

/* Nothing known yet: every count -1, every flag false. */
void geoha_sql_semisync_init(struct geoha_sql_semisync *s);

/*
 * Fold one row (name, value) of SHOW GLOBAL VARIABLES or SHOW GLOBAL
 * STATUS LIKE 'rpl_semi_sync%' into s; names in any case, either
 * spelling. Names that are not about semi-sync, or not used here, are
 * ignored. GEOHA_E_PROTOCOL for a value that makes no sense.
 */
int geoha_sql_semisync_add(struct geoha_sql_semisync *s, const char *name,
                           const char *value);

/* Read both the variables and the status of the server (two SHOWs). */
int geoha_sql_semisync_get(struct geoha_sql *c, struct geoha_sql_semisync *out);

/*
 * The statement that arms (on) or disarms the writer side, in s's
 * spelling: arming sets wait point AFTER_SYNC (a commit is acknowledged
 * only once a replica has it), waiting even with no replica connected,
 * the timeout, then enabled. Appended to b. GEOHA_E_NOT_INSTALLED when the
 * server has no writer side, -EINVAL for a timeout outside 1 ms..1 year.
 */
int geoha_sql_semisync_source_stmt(const struct geoha_sql_semisync *s, bool on,
                                   int64_t timeout_ms, struct geoha_buf *b);

/* Run it. */
int geoha_sql_semisync_set_source(struct geoha_sql *c,
                                  const struct geoha_sql_semisync *s, bool on,
                                  int64_t timeout_ms);

/*
 * Enable or disable the replica side. A running IO thread only picks the
 * change up when it reconnects: with restart_io, a running IO thread that
 * does not match is restarted. GEOHA_E_NOT_INSTALLED when the server has
 * no replica side.
 */
int geoha_sql_semisync_set_replica(struct geoha_sql *c,
                                   const struct geoha_sql_semisync *s, bool on,
                                   bool restart_io);

/*
 * Kill (KILL CONNECTION) every session whose commit waits for a replica's
 * acknowledgement, and while one does, first every other session running
 * a statement under another account (commits grouped behind the waiting
 * one). Their clients get an error, never an acknowledgement; the
 * transactions stay in this server's binary log (and, once killed, in
 * its tables). *killed (may be NULL) gets how many were killed.
 */
int geoha_sql_semisync_kill_waiters(struct geoha_sql *c, unsigned *killed);

/* Where a global variable's current value comes from. */
enum geoha_sql_origin {
    GEOHA_SQL_ORIGIN_UNKNOWN = 0,
    GEOHA_SQL_ORIGIN_DEFAULT, /* compiled-in default: nothing configured */
    GEOHA_SQL_ORIGIN_BOOT,    /* option file, command line, persisted */
    GEOHA_SQL_ORIGIN_RUNTIME, /* SET GLOBAL since the server started */
};

/*
 * Map MariaDB's information_schema.SYSTEM_VARIABLES.GLOBAL_VALUE_ORIGIN or
 * MySQL's performance_schema.variables_info.VARIABLE_SOURCE (pure).
 */
enum geoha_sql_origin geoha_sql_origin_parse(const char *text);

/*
 * Where read_only's current value comes from, so a caller can tell a
 * server that boots writable from one that was made writable. *out is
 * GEOHA_SQL_ORIGIN_UNKNOWN when the server cannot say (MySQL with
 * performance_schema off).
 */
int geoha_sql_read_only_origin(struct geoha_sql *c, enum geoha_sql_origin *out);

#endif /* GEOHA_SQL_H */
