<?php
// The PHP-FPM peer: what a site owner writes by hand with flat files. The
// user's code and failure count live in one JSON file, read and rewritten
// under flock for every guess; a wrong code answers 403 like the original.
header('Content-Type: application/json');
$auth = $_SERVER['HTTP_AUTHORIZATION'] ?? '';
if (strncmp($auth, 'Bearer ', 7) !== 0) {
    http_response_code(401);
    echo '{"detail":"Not authenticated"}';
    exit;
}
$body = json_decode(file_get_contents('php://input'), true);
$code = is_array($body) && isset($body['code']) && is_string($body['code']) ? $body['code'] : null;
if ($code === null) {
    http_response_code(422);
    echo '{"detail":"code required"}';
    exit;
}
$file = getenv('BENCH_PHP_STORE') ?: '/tmp/gatehouse-bench-php.json';
$f = fopen($file, 'c+');
flock($f, LOCK_EX);
$data = json_decode(stream_get_contents($f), true) ?: ['otp' => '424242', 'failures' => 0];
$ok = hash_equals((string)($data['otp'] ?? ''), $code);
if ($ok) { $data['otp'] = null; } else { $data['failures'] = ($data['failures'] ?? 0) + 1; }
ftruncate($f, 0);
rewind($f);
fwrite($f, json_encode($data));
fflush($f);
flock($f, LOCK_UN);
fclose($f);
if (!$ok) {
    http_response_code(403);
    echo '{"detail":"Invalid OTP"}';
    exit;
}
echo '{"msg":"OTP verified successfully"}';
