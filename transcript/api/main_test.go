package api

import (
	"testing"

	"github.com/courtscribe/courtscribe/internal/testrig"
)

func TestMain(m *testing.M) { testrig.Main(m) }
