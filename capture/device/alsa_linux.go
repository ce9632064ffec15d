//go:build linux

package device

/*
#cgo pkg-config: alsa
#include <alsa/asoundlib.h>
*/
import "C"

// releaseALSAPlugins frees alsa-lib's global configuration; alsa-lib then dlcloses the
// cached PCM plugin modules that no open PCM holds (snd_config_update_free_global →
// snd_dlobj_cache_cleanup, the same call Pa_Terminate makes). The next snd_pcm_open
// reloads the configuration from its files. Call it with paMu held and no PCM open.
func releaseALSAPlugins() {
	C.snd_config_update_free_global()
}
