//go:build !linux && !darwin && !windows

package label

func readAttached(path string) ([]byte, Source, error) {
	return nil, "", ErrAttachedUnsupported
}

func writeAttached(path string, data []byte) error {
	return ErrAttachedUnsupported
}
