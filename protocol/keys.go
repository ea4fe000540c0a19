package protocol

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"time"
)

// checkKeys walks the JSON value in data and rejects object keys that are
// not exactly a field name of t, and keys that appear twice in one object.
// encoding/json matches keys case-insensitively and keeps the last of two
// equal keys, so without this check a message such as {"V":1,...} or one
// with two "decision" keys would mean different things to Go and to the
// extension's decoder.
func checkKeys(data []byte, t reflect.Type) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	return walkValue(dec, t, "")
}

var (
	rawMessageType = reflect.TypeFor[json.RawMessage]()
	timeType       = reflect.TypeFor[time.Time]()
	fieldCache     sync.Map // reflect.Type -> map[string]reflect.Type
)

func walkValue(dec *json.Decoder, t reflect.Type, path string) error {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	delim, ok := tok.(json.Delim)
	if !ok {
		return nil
	}
	switch {
	case delim == '{' && t != nil && t.Kind() == reflect.Struct && t != timeType && t != rawMessageType:
		return walkObject(dec, t, path)
	case delim == '[' && t != nil && t.Kind() == reflect.Slice && t != rawMessageType:
		for i := 0; dec.More(); i++ {
			if err := walkValue(dec, t.Elem(), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		_, err := dec.Token()
		return err
	default:
		// A value the target type does not describe field by field (a raw
		// body, or a type mismatch that json.Unmarshal reports): skip it.
		return skipRest(dec, delim)
	}
}

func walkObject(dec *json.Decoder, t reflect.Type, path string) error {
	fields := structFields(t)
	seen := make(map[string]bool, len(fields))
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		key := tok.(string)
		name := key
		if path != "" {
			name = path + "." + key
		}
		fieldType, known := fields[key]
		if !known {
			return fmt.Errorf("unknown field %q", truncate(name, 64))
		}
		if seen[key] {
			return fmt.Errorf("duplicate field %q", truncate(name, 64))
		}
		seen[key] = true
		if err := walkValue(dec, fieldType, name); err != nil {
			return err
		}
	}
	_, err := dec.Token()
	return err
}

// skipRest consumes the rest of an object or array whose opening delim was
// just read.
func skipRest(dec *json.Decoder, open json.Delim) error {
	depth := 1
	for depth > 0 {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		if d, ok := tok.(json.Delim); ok {
			if d == '{' || d == '[' {
				depth++
			} else {
				depth--
			}
		}
	}
	return nil
}

// structFields returns the JSON names of t's fields with their types.
func structFields(t reflect.Type) map[string]reflect.Type {
	if cached, ok := fieldCache.Load(t); ok {
		return cached.(map[string]reflect.Type)
	}
	fields := make(map[string]reflect.Type, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		fields[name] = f.Type
	}
	fieldCache.Store(t, fields)
	return fields
}
