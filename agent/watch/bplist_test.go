package watch

import (
	"encoding/binary"
	"encoding/hex"
	"slices"
	"testing"
)

// whereFromsFixture is a hand-built bplist00 array of two ASCII strings,
// laid out as macOS stores kMDItemWhereFroms: download URL, then referrer.
var whereFromsFixture = concat(
	[]byte("bplist00"),       // header, offsets 0-7
	[]byte{0xA2, 0x01, 0x02}, // object 0 at 8: array of 2, refs 1 and 2
	[]byte{0x5F, 0x10, 25},   // object 1 at 11: ASCII string, count int8 25
	[]byte("https://example.com/a.pdf"),
	[]byte{0x5F, 0x10, 20}, // object 2 at 39: ASCII string, count int8 20
	[]byte("https://example.com/"),
	[]byte{8, 11, 39}, // offset table at 62
	bplistTrailer(1, 1, 3, 0, 62),
)

// utf16Fixture is an array holding one UTF-16BE string, the encoding macOS
// uses for strings that are not ASCII.
var utf16Fixture = concat(
	[]byte("bplist00"),
	[]byte{0xA1, 0x01},       // object 0 at 8: array of 1, ref 1
	[]byte{0x6F, 0x10, 0x04}, // object 1 at 10: UTF-16 string of 4 units
	[]byte{0x00, 'c', 0x00, 'a', 0x00, 'f', 0x00, 0xE9},
	[]byte{8, 10}, // offset table at 21
	bplistTrailer(1, 1, 2, 0, 21),
)

// stringFixture has a single short ASCII string as its top object.
var stringFixture = concat(
	[]byte("bplist00"),
	[]byte{0x53, 'a', 'b', 'c'}, // object 0 at 8: ASCII string of 3
	[]byte{8},                   // offset table at 12
	bplistTrailer(1, 1, 1, 0, 12),
)

func concat(parts ...[]byte) []byte { return slices.Concat(parts...) }

func bplistTrailer(offsetSize, refSize byte, objects, top, tableAt uint64) []byte {
	t := make([]byte, 32)
	t[6], t[7] = offsetSize, refSize
	binary.BigEndian.PutUint64(t[8:], objects)
	binary.BigEndian.PutUint64(t[16:], top)
	binary.BigEndian.PutUint64(t[24:], tableAt)
	return t
}

// withByte returns a copy of data with the byte at i set to b.
func withByte(data []byte, i int, b byte) []byte {
	out := slices.Clone(data)
	out[i] = b
	return out
}

func TestDecodeStringList(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		want []string
	}{
		{"ascii_array", whereFromsFixture, []string{"https://example.com/a.pdf", "https://example.com/"}},
		{"utf16_array", utf16Fixture, []string{"café"}},
		{"single_string", stringFixture, []string{"abc"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeStringList(tt.data)
			if err != nil {
				t.Fatalf("decodeStringList: %v", err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestDecodeStringListErrors(t *testing.T) {
	trailerAt := len(whereFromsFixture) - 32
	tests := []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"xml_plist", []byte(`<?xml version="1.0"?><plist><array/></plist>` + string(make([]byte, 32)))},
		{"truncated", whereFromsFixture[:len(whereFromsFixture)-1]},
		{"offset_width_zero", withByte(whereFromsFixture, trailerAt+6, 0)},
		{"ref_width_nine", withByte(whereFromsFixture, trailerAt+7, 9)},
		{"top_out_of_range", withByte(whereFromsFixture, trailerAt+23, 3)},
		{"table_past_end", withByte(whereFromsFixture, trailerAt+31, 0xF0)},
		{"ref_out_of_range", withByte(whereFromsFixture, 10, 7)},
		{"object_offset_in_header", withByte(whereFromsFixture, 62, 2)},
		{"string_overruns", withByte(whereFromsFixture, 13, 200)},
		{"bad_count_marker", withByte(whereFromsFixture, 12, 0x20)},
		{"integer_element", withByte(whereFromsFixture, 11, 0x10)},
		{"nested_array", withByte(whereFromsFixture, 10, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeStringList(tt.data)
			if err == nil {
				t.Errorf("got %q, want an error", got)
			}
		})
	}
}

func TestWhereFromsOrigin(t *testing.T) {
	got, err := whereFromsOrigin(whereFromsFixture)
	if err != nil {
		t.Fatalf("whereFromsOrigin: %v", err)
	}
	want := Origin{URL: "https://example.com/a.pdf", Referrer: "https://example.com/", Source: SourceWhereFroms}
	if got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

func FuzzDecodeStringList(f *testing.F) {
	f.Add(whereFromsFixture)
	f.Add(utf16Fixture)
	f.Add(stringFixture)
	// An array with an empty second string, as written by Python's plistlib.
	seed, _ := hex.DecodeString("62706c6973743030a201025f101768747470733a2f2f612e6578616d706c652f782e7a697050080b250000000000000101000000000000000300000000000000000000000000000026")
	f.Add(seed)
	f.Fuzz(func(t *testing.T, data []byte) {
		// Any input may fail, but none may panic or loop.
		_, _ = decodeStringList(data)
	})
}
