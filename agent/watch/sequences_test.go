package watch

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sequence reproduces one event sequence of testdata/event-sequences.txt
// with real file operations, using Linux names for the Windows case.
type sequence struct {
	name    string
	heading string            // words of its heading in the testdata file
	setup   map[string]string // files present before the watcher starts
	steps   func(t *testing.T, dir string)
	want    []wantReady
	origin  string // expected Origin.URL of the Ready event, if any
}

var sequences = []sequence{
	{
		name:    "chrome_windows",
		heading: "Chrome download",
		steps: func(t *testing.T, dir string) {
			final := filepath.Join(dir, "setup.exe")
			temp := filepath.Join(dir, "Unconfirmed 196614.crdownload")
			writeFile(t, final, "")
			remove(t, final)
			writeFile(t, temp, "")
			for range 3 {
				appendFile(t, temp, strings.Repeat("x", 4096))
			}
			rename(t, temp, final)
			// Writing the origin record after the rename replaces the
			// Zone.Identifier stream that Windows adds at this point.
			markOrigin(t, final, "https://downloads.example.com/setup.exe", "https://example.com/get")
		},
		want:   []wantReady{{"setup.exe", 3 * 4096}},
		origin: "https://downloads.example.com/setup.exe",
	},
	{
		name:    "atomic_replace",
		heading: "atomic replace",
		setup:   map[string]string{"file": "old"},
		steps: func(t *testing.T, dir string) {
			temp := filepath.Join(dir, ".file.atomic")
			writeFile(t, temp, "")
			appendFile(t, temp, "new content")
			rename(t, temp, filepath.Join(dir, "file"))
		},
		want: []wantReady{{"file", 11}},
	},
	{
		name:    "gedit_save",
		heading: "gedit save",
		setup:   map[string]string{"notes.txt": "draft"},
		steps: func(t *testing.T, dir string) {
			temp := filepath.Join(dir, ".goutputstream-7U75JW")
			writeFile(t, temp, "")
			appendFile(t, temp, "first line\n")
			appendFile(t, temp, "second line\n")
			rename(t, temp, filepath.Join(dir, "notes.txt"))
		},
		want: []wantReady{{"notes.txt", 23}},
	},
	{
		name:    "vim_save",
		heading: "vim save",
		setup:   map[string]string{"foo.txt": "old text"},
		steps: func(t *testing.T, dir string) {
			path := filepath.Join(dir, "foo.txt")
			rename(t, path, path+"~")
			writeFile(t, path, "")
			appendFile(t, path, "new text, longer")
			remove(t, path+"~")
		},
		want: []wantReady{{"foo.txt", 16}},
	},
}

func TestSequences(t *testing.T) {
	for _, seq := range sequences {
		t.Run(seq.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, content := range seq.setup {
				writeFile(t, filepath.Join(dir, name), content)
			}
			w := startWatcher(t, Config{Dirs: []string{dir}}, hooks{})
			seq.steps(t, dir)
			events := expectReady(t, w, dir, seq.want...)
			if seq.origin == "" || !originSupported || len(events) == 0 {
				return
			}
			if got := events[0].Origin.URL; got != seq.origin {
				t.Errorf("Origin.URL: got %q, want %q", got, seq.origin)
			}
		})
	}
}

// TestSequencesCoverTestdata fails when the testdata file gains a sequence
// that no entry of sequences reproduces.
func TestSequencesCoverTestdata(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "event-sequences.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	headings := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		heading, ok := strings.CutPrefix(sc.Text(), "## ")
		if !ok {
			continue
		}
		headings++
		if !coveredHeading(heading) {
			t.Errorf("no sequence reproduces %q", heading)
		}
	}
	if headings != len(sequences) {
		t.Errorf("headings: got %d, want %d (one per sequence)", headings, len(sequences))
	}
}

func coveredHeading(heading string) bool {
	for _, seq := range sequences {
		if strings.Contains(heading, seq.heading) {
			return true
		}
	}
	return false
}
