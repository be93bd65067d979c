package bench

import "testing"

// A wrk 4.1 report as the authorize script produces it.
const wrkSample = `Running 10s test @ http://127.0.0.1:40123
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    31.45ms   12.01ms 148.37ms   74.23%
    Req/Sec     1.03k   124.52     1.33k    71.50%
  Latency Distribution
     50%  812.00us
     75%   36.11ms
     90%   45.73ms
     99%    1.20s
  20512 requests in 10.01s, 8.52MB read
warden-bench-errors connect=0 read=0 write=0 status=3 timeout=0 requests=20512
Requests/sec:   2049.63
Transfer/sec:    872.08KB
`

func TestParseWrk(t *testing.T) {
	r, err := parseWrk(wrkSample)
	if err != nil {
		t.Fatal(err)
	}
	want := wrkResult{rps: 2049.63, p50: 0.812, p99: 1200, requests: 20512, status: 3}
	if r != want {
		t.Errorf("parseWrk = %+v, want %+v", r, want)
	}
}

func TestParseWrk_incomplete(t *testing.T) {
	for name, out := range map[string]string{
		"no latency":   "warden-bench-errors connect=0 read=0 write=0 status=0 timeout=0 requests=1\nRequests/sec: 1.0\n",
		"no done hook": "     50%  1.00ms\n     99%  2.00ms\nRequests/sec: 1.0\n",
		"no rate":      "     50%  1.00ms\n     99%  2.00ms\n",
	} {
		if _, err := parseWrk(out); err == nil {
			t.Errorf("%s: parseWrk accepted %q", name, out)
		}
	}
}

func TestThousands(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 23456: "23,456", 1234567: "1,234,567", -20000: "-20,000"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestCheckWrk(t *testing.T) {
	ok := "     50%  1.00ms\n     99%  2.00ms\nRequests/sec: 100.0\n"
	for name, tc := range map[string]struct {
		done    string
		wantErr bool
	}{
		"clean":         {"connect=0 read=0 write=0 status=0 timeout=0 requests=1000", false},
		"connect error": {"connect=3 read=0 write=0 status=0 timeout=0 requests=1000", false},
		"error status":  {"connect=0 read=0 write=0 status=1 timeout=0 requests=1000", true},
		"read error":    {"connect=0 read=2 write=0 status=0 timeout=0 requests=1000", true},
		"timeout":       {"connect=0 read=0 write=0 status=0 timeout=1 requests=1000", true},
		"no request":    {"connect=0 read=0 write=0 status=0 timeout=0 requests=0", true},
	} {
		_, err := checkWrk(ok + "warden-bench-errors " + tc.done + "\n")
		if (err != nil) != tc.wantErr {
			t.Errorf("%s: checkWrk error %v, want error %v", name, err, tc.wantErr)
		}
	}
}
