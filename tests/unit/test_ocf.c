/* Unit tests of lib/ocf.c: parameter table, meta-data, dispatch. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <qb/qblog.h>

#include "geoha/ocf.h"

static const char *const modes[] = { "enable", "priority", NULL };

static const struct geoha_param params[] = {
    { .name = "name",
      .type = GEOHA_PT_STRING,
      .required = true,
      .shortdesc = "A name",
      .longdesc = "Needed <always> & \"quoted\"." },
    { .name = "count",
      .type = GEOHA_PT_INT,
      .default_value = "60",
      .min = 1,
      .max = 3600,
      .shortdesc = "A count" },
    { .name = "flag",
      .type = GEOHA_PT_BOOL,
      .default_value = "true",
      .shortdesc = "A flag" },
    { .name = "mode",
      .type = GEOHA_PT_ENUM,
      .default_value = "enable",
      .choices = modes,
      .shortdesc = "A mode" },
    { .name = "secret_file",
      .type = GEOHA_PT_PATH,
      .flags = GEOHA_PF_PRIVATE,
      .shortdesc = "A secret" },
    { .name = "endpoints",
      .type = GEOHA_PT_MAP,
      .map_value = GEOHA_PT_HOSTPORT,
      .shortdesc = "Endpoints" },
    { .name = "peer", .type = GEOHA_PT_HOSTPORT, .shortdesc = "A peer" },
    { .name = "work_dir",
      .type = GEOHA_PT_PATH,
      .flags = GEOHA_PF_DIR,
      .shortdesc = "A directory" },
};

static int last_action_check_level = -1;
static bool last_action_probe;
static int64_t last_action_left_ms;

static int
action_ok(struct geoha_ctx *ctx)
{
    last_action_check_level = ctx->check_level;
    last_action_probe = ctx->probe;
    last_action_left_ms = geoha_deadline_left_ms(&ctx->deadline);
    return OCF_SUCCESS;
}

static int
action_running(struct geoha_ctx *ctx)
{
    return geoha_param_int(ctx, "count") == 7 ? OCF_RUNNING_PROMOTED
                                              : OCF_NOT_RUNNING;
}

/* What the core gave the last action (the base name, the defaults). */
static char last_rsc_base[GEOHA_RSC_MAX];
static long long last_count = -1;
static const char *last_mode;
static bool last_flag;

static int
action_look(struct geoha_ctx *ctx)
{
    geoha_strlcpy(last_rsc_base, ctx->rsc_base, sizeof(last_rsc_base));
    last_count = geoha_param_int(ctx, "count");
    last_mode = geoha_param_str(ctx, "mode");
    last_flag = geoha_param_bool(ctx, "flag");
    return OCF_SUCCESS;
}

/* A misspelled parameter name (the table has "count"). */
static int
action_misspelled(struct geoha_ctx *ctx)
{
    return geoha_param_int(ctx, "cuont") == 60 ? OCF_SUCCESS : OCF_NOT_RUNNING;
}

static const struct geoha_action actions[] = {
    { "start", action_ok, GEOHA_AF_VALIDATE, 60, 0, NULL, -1 },
    { "look", action_look, GEOHA_AF_HIDDEN, 5, 0, NULL, -1 },
    { "look-no-params", action_look, GEOHA_AF_HIDDEN | GEOHA_AF_NO_PARAMS, 5, 0,
      NULL, -1 },
    { "misspelled", action_misspelled, GEOHA_AF_HIDDEN, 5, 0, NULL, -1 },
    { "stop", action_ok, 0, 30, 0, NULL, -1 },
    { "monitor", action_running, 0, 30, 10, "Promoted", 0 },
    { "probe-like", action_ok, 0, 30, 0, NULL, -1 },
    { "monitor2", action_ok, 0, 30, 0, NULL, -1 },
    { "validate-all", action_ok, GEOHA_AF_VALIDATE, 10, 0, NULL, -1 },
    { "meta-data", NULL, GEOHA_AF_NO_PARAMS, 5, 0, NULL, -1 },
    { "hidden", action_ok, GEOHA_AF_HIDDEN, 5, 0, NULL, -1 },
};

static const struct geoha_agent agent = {
    .name = "test",
    .version = "1.0",
    .shortdesc = "Test agent",
    .longdesc = "An agent for the unit tests.",
    .params = params,
    .n_params = sizeof(params) / sizeof(params[0]),
    .actions = actions,
    .n_actions = sizeof(actions) / sizeof(actions[0]),
};

/* The set-up and tear-down hooks: what ran, in which order. */
static char hook_trace[64];
static int hook_setup_rc = OCF_SUCCESS;
static int hook_validate_rc = OCF_SUCCESS;
static int hook_token;

static void
trace(const char *what)
{
    size_t n = strlen(hook_trace);

    geoha_snprintf(hook_trace + n, sizeof(hook_trace) - n, "%s%s",
                   n > 0 ? "," : "", what);
}

static int
hook_validate(struct geoha_ctx *ctx)
{
    (void)ctx;
    trace("validate");
    return hook_validate_rc;
}

static int
hook_setup(struct geoha_ctx *ctx)
{
    trace("setup");
    ctx->agent_data = &hook_token;
    return hook_setup_rc;
}

static void
hook_teardown(struct geoha_ctx *ctx)
{
    trace(ctx->agent_data == &hook_token ? "teardown" : "teardown-no-data");
    ctx->agent_data = NULL;
}

static int
hook_action(struct geoha_ctx *ctx)
{
    trace(ctx->agent_data == &hook_token ? "action" : "action-no-data");
    return OCF_RUNNING_PROMOTED;
}

static const struct geoha_action hook_actions[] = {
    { "start", hook_action, GEOHA_AF_VALIDATE, 60, 0, NULL, -1 },
    { "monitor", hook_action, 0, 30, 10, NULL, -1 },
};

static void
clear_env(void)
{
    unsetenv("OCF_RESKEY_name");
    unsetenv("OCF_RESKEY_count");
    unsetenv("OCF_RESKEY_flag");
    unsetenv("OCF_RESKEY_mode");
    unsetenv("OCF_RESKEY_secret_file");
    unsetenv("OCF_RESKEY_endpoints");
    unsetenv("OCF_RESKEY_peer");
    unsetenv("OCF_RESKEY_work_dir");
    unsetenv("OCF_RESKEY_CRM_meta_timeout");
    unsetenv("OCF_RESKEY_CRM_meta_interval");
    unsetenv("OCF_CHECK_LEVEL");
    setenv("GEOHA_NODE_NAME", "ci", 1);
    setenv("OCF_RESOURCE_INSTANCE", "test:0", 1);
}

/* Runs an action with its stdout (meta-data, usage) kept out of the TAP. */
static int
run_agent(const struct geoha_agent *a, const char *action)
{
    char *argv[] = { (char *)"test", (char *)action, NULL };
    int saved;
    int null_fd;
    int rc;

    fflush(stdout);
    saved = dup(STDOUT_FILENO);
    null_fd = open("/dev/null", O_WRONLY);
    dup2(null_fd, STDOUT_FILENO);
    close(null_fd);
    rc = geoha_agent_main(a, 2, argv);
    fflush(stdout);
    dup2(saved, STDOUT_FILENO);
    close(saved);
    return rc;
}

static int
run(const char *action)
{
    return run_agent(&agent, action);
}

static int
setup(void **state)
{
    (void)state;
    clear_env();
    /* Keep the agent's stderr (exit reasons, logs) out of the TAP. */
    return freopen("/dev/null", "w", stderr) == NULL ? -1 : 0;
}

static void
geoha_agent_main__dispatch(void **state)
{
    (void)state;
    clear_env();
    setenv("OCF_RESKEY_name", "x", 1);
    assert_int_equal(run("start"), OCF_SUCCESS);
    assert_int_equal(run("no-such-action"), OCF_ERR_UNIMPLEMENTED);
    assert_int_equal(run("usage"), OCF_SUCCESS);
    assert_int_equal(run("hidden"), OCF_SUCCESS);
    {
        char *argv[] = { (char *)"test", NULL };

        assert_int_equal(geoha_agent_main(&agent, 1, argv), OCF_ERR_ARGS);
    }
}

static void
geoha_agent_main__required_missing(void **state)
{
    (void)state;
    clear_env();
    assert_int_equal(run("start"), OCF_ERR_CONFIGURED);
    assert_int_equal(run("validate-all"), OCF_ERR_CONFIGURED);
    /* meta-data needs no environment at all. */
    assert_int_equal(run("meta-data"), OCF_SUCCESS);
}

static void
geoha_agent_main__bad_values(void **state)
{
    static const char *const bad[][2] = {
        { "OCF_RESKEY_count", "0" },
        { "OCF_RESKEY_count", "3601" },
        { "OCF_RESKEY_count", "ten" },
        { "OCF_RESKEY_flag", "maybe" },
        { "OCF_RESKEY_mode", "Enable" },
        { "OCF_RESKEY_secret_file", "relative/path" },
        { "OCF_RESKEY_endpoints", "ci=host" },
        { "OCF_RESKEY_endpoints", "ci" },
        { "OCF_RESKEY_peer", "nohost:" },
    };

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        clear_env();
        setenv("OCF_RESKEY_name", "x", 1);
        setenv(bad[i][0], bad[i][1], 1);
        assert_int_equal(run("validate-all"), OCF_ERR_CONFIGURED);
        /* issue 17 item 9: a value wrong on every node must not fail stop
         * (every node would be fenced); stop goes on with the default */
        assert_int_equal(run("stop"), OCF_SUCCESS);
    }
}

static void
geoha_agent_main__private_file(void **state)
{
    char path[] = "/tmp/geoha-test-secret-XXXXXX";
    int fd = mkstemp(path);

    (void)state;
    assert_true(fd >= 0);
    close(fd);
    clear_env();
    setenv("OCF_RESKEY_name", "x", 1);
    setenv("OCF_RESKEY_secret_file", path, 1);
    chmod(path, 0600);
    assert_int_equal(run("validate-all"), OCF_SUCCESS);
    /* issue 17 item 9: a file others can read is this node's problem,
     * a hard error here (5), never OCF_ERR_CONFIGURED (6), which would
     * keep the resource off every node. */
    chmod(path, 0644);
    assert_int_equal(run("validate-all"), OCF_ERR_INSTALLED);
    chmod(path, 0640);
    assert_int_equal(run("validate-all"), OCF_ERR_INSTALLED);
    assert_int_equal(run("start"), OCF_ERR_INSTALLED);
    /* stop does not check files: it must work with a broken config. */
    assert_int_equal(run("stop"), OCF_SUCCESS);
    unlink(path);
    assert_int_equal(run("validate-all"), OCF_ERR_INSTALLED);
}

static void
geoha_agent_main__context(void **state)
{
    (void)state;
    clear_env();
    setenv("OCF_RESKEY_name", "x", 1);
    setenv("OCF_RESKEY_count", "7", 1);
    assert_int_equal(run("monitor"), OCF_RUNNING_PROMOTED);
    setenv("OCF_RESKEY_CRM_meta_timeout", "20000", 1);
    setenv("OCF_CHECK_LEVEL", "10", 1);
    assert_int_equal(run("monitor2"), OCF_SUCCESS);
    assert_true(last_action_probe == false); /* only "monitor" probes */
    assert_int_equal(last_action_check_level, 10);
    /* 20 s less a 2 s margin. */
    assert_true(last_action_left_ms <= 18000 && last_action_left_ms > 17000);
    setenv("OCF_RESKEY_CRM_meta_timeout", "soon", 1);
    assert_int_equal(run("monitor2"), OCF_ERR_ARGS);
}

static void
geoha_agent_metadata__validates_shape(void **state)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);

    (void)state;
    assert_non_null(f);
    assert_int_equal(geoha_agent_metadata(&agent, f), 0);
    fclose(f);
    assert_non_null(strstr(text, "<resource-agent name=\"test\""));
    assert_non_null(
        strstr(text, "<parameter name=\"name\" unique=\"0\" required=\"1\">"));
    assert_non_null(strstr(text, "Needed &lt;always&gt; &amp; &quot;"));
    assert_non_null(strstr(text, "<content type=\"integer\" default=\"60\""));
    /* Enumerations: strings with the choices spelled out (ra-api-1.dtd). */
    assert_non_null(
        strstr(text, "<content type=\"string\" default=\"enable\" />"));
    assert_non_null(strstr(text, "(one of: enable priority)"));
    assert_non_null(strstr(text, "<content type=\"boolean\" default=\"true\""));
    assert_non_null(strstr(text, "<action name=\"monitor\" timeout=\"30s\" "
                                 "interval=\"10s\" depth=\"0\" "
                                 "role=\"Promoted\" />"));
    assert_null(strstr(text, "hidden"));
    free(text);
}

static void
geoha_ocf_from_result__mapping(void **state)
{
    (void)state;
    assert_int_equal(geoha_ocf_from_result(0), OCF_SUCCESS);
    assert_int_equal(geoha_ocf_from_result(GEOHA_E_CONFIG), OCF_ERR_CONFIGURED);
    assert_int_equal(geoha_ocf_from_result(GEOHA_E_INSECURE),
                     OCF_ERR_INSTALLED);
    assert_int_equal(geoha_ocf_from_result(GEOHA_E_NOT_INSTALLED),
                     OCF_ERR_INSTALLED);
    assert_int_equal(geoha_ocf_from_result(GEOHA_E_NOT_RUNNING),
                     OCF_NOT_RUNNING);
    assert_int_equal(geoha_ocf_from_result(-EACCES), OCF_ERR_PERM);
    assert_int_equal(geoha_ocf_from_result(-EIO), OCF_ERR_GENERIC);
    assert_int_equal(OCF_RUNNING_PROMOTED, 8);
    assert_int_equal(OCF_FAILED_PROMOTED, 9);
}

static void
geoha_notify_get__reads_env(void **state)
{
    (void)state;
    setenv("OCF_RESKEY_CRM_meta_notify_promote_uname", "si ", 1);
    assert_string_equal(geoha_notify_get("promote_uname"), "si ");
    assert_null(geoha_notify_get("demote_uname_nope"));
}

/* Runs fn with stderr in a file; returns what it wrote (caller frees). */
static char *
capture_stderr(void (*fn)(void))
{
    char path[] = "/tmp/geoha-test-stderr-XXXXXX";
    int fd = mkstemp(path);
    int saved;
    char *text;
    FILE *f;
    long n;

    assert_true(fd >= 0);
    fflush(stderr);
    saved = dup(STDERR_FILENO);
    dup2(fd, STDERR_FILENO);
    close(fd);
    fn();
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    f = fopen(path, "r");
    assert_non_null(f);
    text = calloc(1, 8192);
    assert_non_null(text);
    n = (long)fread(text, 1, 8191, f);
    assert_true(n >= 0);
    fclose(f);
    unlink(path);
    return text;
}

static void
exit_reason_with_raw_bytes(void)
{
    geoha_exit_reason("Parameter settings_file='%s' is bad",
                      "/a\nb\r\x1b[31m\xff\xc3\xa9");
}

/* issue 17 item 8: no raw control or non-UTF-8 byte reaches the exit
 * reason (the CIB) or the log line. */
static void
geoha_exit_reason__escapes_control_and_bad_utf8(void **state)
{
    char *text;
    char *line;

    (void)state;
    text = capture_stderr(exit_reason_with_raw_bytes);
    line = strstr(text, "ocf-exit-reason:");
    assert_non_null(line);
    assert_non_null(strstr(line, "ocf-exit-reason:Parameter settings_file="
                                 "'/a\\x0ab\\x0d\\x1b[31m\\xff\xc3\xa9' is "
                                 "bad\n"));
    /* the log line says the same, escaped the same way */
    assert_non_null(strstr(text, ": Parameter settings_file='/a\\x0ab"));
    for (const char *p = text; *p != '\0'; p++) {
        unsigned char c = (unsigned char)*p;

        assert_true(c == '\n' || (c >= 0x20 && c != 0x7f && c != 0xff));
    }
    free(text);
}

/* issue 17 item 8: a PATH parameter with a control character in it is a
 * configuration error at load, for every action. */
static void
geoha_agent_main__path_with_control_character(void **state)
{
    (void)state;
    clear_env();
    setenv("OCF_RESKEY_name", "x", 1);
    setenv("OCF_RESKEY_secret_file", "/etc/geoha\n/secret", 1);
    assert_int_equal(run("validate-all"), OCF_ERR_CONFIGURED);
    /* stop goes on with the default: a failed stop fences the node */
    assert_int_equal(run("stop"), OCF_SUCCESS);
    setenv("OCF_RESKEY_secret_file", "/etc/geoha\t/secret", 1);
    assert_int_equal(run("validate-all"), OCF_ERR_CONFIGURED);
}

/* issue 17 item 9: a path that is well formed but names something else
 * than a directory on this node is this node's problem (5); a path that is
 * not well formed is the parameter's own value, wrong everywhere (6). */
static void
geoha_agent_main__dir_not_directory(void **state)
{
    char path[] = "/tmp/geoha-test-dir-XXXXXX";
    int fd = mkstemp(path);

    (void)state;
    assert_true(fd >= 0);
    close(fd);
    clear_env();
    setenv("OCF_RESKEY_name", "x", 1);
    setenv("OCF_RESKEY_work_dir", path, 1);
    assert_int_equal(run("validate-all"), OCF_ERR_INSTALLED);
    assert_int_equal(run("stop"), OCF_SUCCESS);
    setenv("OCF_RESKEY_work_dir", "/tmp", 1);
    assert_int_equal(run("validate-all"), OCF_SUCCESS);
    setenv("OCF_RESKEY_work_dir", "tmp", 1);
    assert_int_equal(run("validate-all"), OCF_ERR_CONFIGURED);
    unlink(path);
}

/* The core fills the base name and every parameter's default, also for
 * an action that reads no environment. */
static void
geoha_agent_main__base_name_and_defaults(void **state)
{
    char out[8];

    (void)state;
    clear_env();
    setenv("OCF_RESKEY_name", "x", 1);
    setenv("OCF_RESOURCE_INSTANCE", "db-clone:1", 1);
    assert_int_equal(run("look"), OCF_SUCCESS);
    assert_string_equal(last_rsc_base, "db-clone");
    assert_int_equal(last_count, 60);
    assert_string_equal(last_mode, "enable");
    assert_true(last_flag);
    setenv("OCF_RESOURCE_INSTANCE", "tm", 1);
    setenv("OCF_RESKEY_count", "7", 1);
    setenv("OCF_RESKEY_flag", "false", 1);
    assert_int_equal(run("look"), OCF_SUCCESS);
    assert_string_equal(last_rsc_base, "tm");
    assert_int_equal(last_count, 7);
    assert_false(last_flag);
    unsetenv("OCF_RESOURCE_INSTANCE");
    last_count = -1;
    assert_int_equal(run("look-no-params"), OCF_SUCCESS);
    assert_string_equal(last_rsc_base, "(none)");
    assert_int_equal(last_count, 60); /* the table's, not the env's */
    assert_string_equal(last_mode, "enable");
    assert_true(last_flag);

    assert_int_equal(geoha_rsc_base("a:12", out, sizeof(out)), 0);
    assert_string_equal(out, "a");
    assert_int_equal(geoha_rsc_base("abc", out, sizeof(out)), 0);
    assert_string_equal(out, "abc");
    assert_int_equal(geoha_rsc_base(":1", out, sizeof(out)), -EINVAL);
    assert_int_equal(geoha_rsc_base("far-too-long:1", out, sizeof(out)),
                     -EINVAL);
    assert_string_equal(out, "");
}

/* A parameter name the table does not declare fails the action loudly:
 * exit code OCF_ERR_GENERIC and an exit reason naming it. */
static void
geoha_param__undeclared_name_fails_loudly(void **state)
{
    char path[] = "/tmp/geoha-test-misspelled-XXXXXX";
    int fd = mkstemp(path);
    char text[2048] = "";
    int status = 0;
    pid_t pid;
    FILE *f;

    (void)state;
    assert_true(fd >= 0);
    clear_env();
    setenv("OCF_RESKEY_name", "x", 1);
    fflush(stderr);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(fd, STDERR_FILENO);
        run("misspelled");
        _exit(99); /* not reached: the core ends the process */
    }
    close(fd);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), OCF_ERR_GENERIC);
    f = fopen(path, "r");
    assert_non_null(f);
    assert_true(fread(text, 1, sizeof(text) - 1, f) > 0);
    fclose(f);
    unlink(path);
    assert_non_null(strstr(text, "ocf-exit-reason:Internal error: agent test "
                                 "asks for parameter 'cuont', which its "
                                 "parameter table does not declare\n"));
}

/* setup runs after the parameters and validate, teardown after the action
 * and also when validate or setup failed; a failed setup is the result. */
static void
geoha_agent_main__hooks(void **state)
{
    struct geoha_agent hook_agent = agent;

    (void)state;
    hook_agent.actions = hook_actions;
    hook_agent.n_actions = sizeof(hook_actions) / sizeof(hook_actions[0]);
    hook_agent.validate = hook_validate;
    hook_agent.setup = hook_setup;
    hook_agent.teardown = hook_teardown;
    clear_env();
    setenv("OCF_RESKEY_name", "x", 1);
    hook_trace[0] = '\0';
    assert_int_equal(run_agent(&hook_agent, "start"), OCF_RUNNING_PROMOTED);
    assert_string_equal(hook_trace, "validate,setup,action,teardown");
    hook_trace[0] = '\0';
    assert_int_equal(run_agent(&hook_agent, "monitor"), OCF_RUNNING_PROMOTED);
    assert_string_equal(hook_trace, "setup,action,teardown");
    hook_trace[0] = '\0';
    hook_setup_rc = OCF_ERR_CONFIGURED;
    assert_int_equal(run_agent(&hook_agent, "monitor"), OCF_ERR_CONFIGURED);
    assert_string_equal(hook_trace, "setup,teardown");
    hook_setup_rc = OCF_SUCCESS;
    hook_trace[0] = '\0';
    hook_validate_rc = OCF_ERR_INSTALLED;
    assert_int_equal(run_agent(&hook_agent, "start"), OCF_ERR_INSTALLED);
    assert_string_equal(hook_trace, "validate,teardown-no-data");
    hook_validate_rc = OCF_SUCCESS;
    hook_trace[0] = '\0';
    unsetenv("OCF_RESKEY_name"); /* required: the table check fails */
    assert_int_equal(run_agent(&hook_agent, "start"), OCF_ERR_CONFIGURED);
    assert_string_equal(hook_trace, "teardown-no-data");
}

/* The log lines carry the caller's function and line to libqb. */
static const char *logged_function;
static uint32_t logged_line;

static void
log_capture(int32_t t, struct qb_log_callsite *cs, struct timespec *ts,
            const char *msg)
{
    (void)t;
    (void)ts;
    if (strstr(msg, "marker-") != NULL) {
        logged_function = cs->function;
        logged_line = cs->lineno;
    }
}

static void
geoha_log__keeps_caller_function_and_line(void **state)
{
    int32_t t;
    int line;

    (void)state;
    geoha_log_init("test", "test:0");
    t = qb_log_custom_open(log_capture, NULL, NULL, NULL);
    assert_true(t >= 0);
    qb_log_ctl(t, QB_LOG_CONF_ENABLED, QB_TRUE);
    qb_log_filter_ctl(t, QB_LOG_FILTER_ADD, QB_LOG_FILTER_FILE, "*", LOG_DEBUG);
    line = __LINE__ + 1;
    geoha_info("marker-info | n=%d", 1);
    assert_non_null(logged_function);
    assert_string_equal(logged_function, __func__);
    assert_int_equal(logged_line, line);
    logged_function = NULL;
    line = __LINE__ + 1;
    geoha_exit_reason("marker-reason");
    assert_non_null(logged_function);
    assert_string_equal(logged_function, __func__);
    assert_int_equal(logged_line, line);
    qb_log_custom_close(t);
    geoha_log_close();
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(geoha_agent_main__dispatch),
        cmocka_unit_test(geoha_agent_main__required_missing),
        cmocka_unit_test(geoha_agent_main__bad_values),
        cmocka_unit_test(geoha_agent_main__private_file),
        cmocka_unit_test(geoha_agent_main__context),
        cmocka_unit_test(geoha_agent_metadata__validates_shape),
        cmocka_unit_test(geoha_ocf_from_result__mapping),
        cmocka_unit_test(geoha_notify_get__reads_env),
        cmocka_unit_test(geoha_exit_reason__escapes_control_and_bad_utf8),
        cmocka_unit_test(geoha_agent_main__path_with_control_character),
        cmocka_unit_test(geoha_agent_main__dir_not_directory),
        cmocka_unit_test(geoha_agent_main__base_name_and_defaults),
        cmocka_unit_test(geoha_param__undeclared_name_fails_loudly),
        cmocka_unit_test(geoha_agent_main__hooks),
        cmocka_unit_test(geoha_log__keeps_caller_function_and_line),
    };

    return cmocka_run_group_tests_name("ocf", tests, setup, NULL);
}
