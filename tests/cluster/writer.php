<?php
// geoha cluster harness: one region's Drupal, reduced to what matters for
// the database. Every tick it loads settings.php the way Drupal does on
// every request (settings.php ends with `require ... settings.geoha.php`,
// the include ocf:geoha:drupal writes), connects to
// $databases['default']['default'] and inserts one numbered row. Every
// acknowledged write is appended to OUT as a JSON line, at once (flushed),
// so the record survives the node being killed.
//
// usage: php writer.php REGION SETTINGS_PHP OUT [INTERVAL_MS]
//
// A line per tick:
//   {"t":wall,"seq":N,"ok":true,"host":"10.99.0.2","sid":2,"gtid":"0-2-17"}
//   {"t":wall,"seq":N,"ok":false,"why":"closed|connect|write","err":"..."}
// "closed" means the include failed closed (it threw), which is what a
// visitor sees as HTTP 503.

if ($argc < 4) {
    fwrite(STDERR, "usage: writer.php REGION SETTINGS_PHP OUT [INTERVAL_MS]\n");
    exit(2);
}
$region = $argv[1];
$settings = $argv[2];
$out = fopen($argv[3], 'a');
$interval_us = (int)($argv[4] ?? 50) * 1000;
// A request that hangs is a failed request: bound every wait.
ini_set('mysqlnd.net_read_timeout', '2');
ini_set('default_socket_timeout', '2');
$boot = (string)((int)(microtime(true) * 1000) % 100000000);

// What Drupal does with settings.php on each request: a fresh scope.
function load_settings(string $settings): array
{
    $app_root = dirname($settings, 2);
    $site_path = basename(dirname($settings));
    $databases = [];
    require $settings;
    return $databases;
}

function record($out, array $rec): void
{
    fwrite($out, json_encode($rec) . "\n");
    fflush($out);
}

$seq = 0;
$next = microtime(true);
for (;;) {
    $seq++;
    $t = microtime(true);
    try {
        $databases = load_settings($settings);
    } catch (Throwable $e) {
        record($out, ['t' => $t, 'seq' => $seq, 'ok' => false,
                      'why' => 'closed', 'err' => $e->getMessage()]);
        goto sleep;
    }
    $db = $databases['default']['default'] ?? null;
    if (!is_array($db)) {
        record($out, ['t' => $t, 'seq' => $seq, 'ok' => false,
                      'why' => 'closed', 'err' => 'no default database']);
        goto sleep;
    }
    $host = $db['host'];
    try {
        $pdo = new PDO("mysql:host={$db['host']};port={$db['port']};" .
                       "dbname={$db['database']}", $db['username'],
                       $db['password'],
                       [PDO::ATTR_TIMEOUT => 1,
                        PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION]);
    } catch (Throwable $e) {
        record($out, ['t' => $t, 'seq' => $seq, 'ok' => false,
                      'why' => 'connect', 'host' => $host,
                      'err' => $e->getMessage()]);
        goto sleep;
    }
    try {
        $id = "$region:$boot:$seq";
        $st = $pdo->prepare('INSERT INTO writes (id, region, seq, server_id, '
                            . 'ts) VALUES (?, ?, ?, @@server_id, ?)');
        $st->execute([$id, $region, $seq, $t]);
        $acked = microtime(true);
    } catch (Throwable $e) {
        record($out, ['t' => $t, 'seq' => $seq, 'ok' => false,
                      'why' => 'write', 'host' => $host,
                      'err' => $e->getMessage()]);
        $pdo = null;
        goto sleep;
    }
    // acknowledged: recorded even if asking for its GTID fails
    $r = [null, null];
    try {
        $r = $pdo->query('SELECT @@last_gtid, @@server_id')->fetch(
            PDO::FETCH_NUM);
    } catch (Throwable $e) {
    }
    record($out, ['t' => $acked, 't0' => $t, 'seq' => $seq, 'id' => $id,
                  'ok' => true, 'host' => $host, 'sid' => (int)$r[1],
                  'gtid' => $r[0]]);
    $pdo = null;
sleep:
    $next += $interval_us / 1e6;
    $d = $next - microtime(true);
    if ($d < 0) {
        $next = microtime(true);
    } else {
        usleep((int)($d * 1e6));
    }
}
