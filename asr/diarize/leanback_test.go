package diarize_test

import "testing"

// leanBackRoom is a courtroom drawn by `hearinggen random` (seed 407: RT60 0.69 s, five seats),
// in espeak-ng's Mandarin voices. The clerk sits 1.3 m in front of the bench, facing the well,
// the judge behind. The judge speaks three times, so the judge's lead at the clerk's mic is
// known; the clerk answers upright once. Then the clerk leans 0.3 m back towards the judge's
// mic, turning from their own, and reads a long sentence.
const leanBackRoom = `{
  "name": "lean-back", "seed": 407, "noise_dbfs": -61.3, "elec_dbfs": -80,
  "lead_in": 1, "tail": 1.5, "room": {"size": [10.5, 6.5, 4.4], "rt60": 0.69},
  "seats": [
    {"name": "judge", "voice": "cmn-latn-pinyin+f4", "pitch": 69, "speed": 158, "level_db": -0.2, "pos": [9.3, 3.25, 1.55], "facing": 192, "mic_dist": 0.53},
    {"name": "clerk", "voice": "cmn-latn-pinyin+f2", "pitch": 60, "speed": 169, "level_db": -2.5, "pos": [8.1, 3.67, 1.15], "facing": 182, "mic_dist": 0.54},
    {"name": "witness", "voice": "cmn-latn-pinyin+m3", "pitch": 37, "speed": 171, "level_db": -4.5, "gain_db": -8, "pos": [8.3, 1.2, 1.35], "facing": 224, "mic_dist": 0.6},
    {"name": "prosecutor", "voice": "cmn-latn-pinyin+m1", "pitch": 39, "speed": 145, "level_db": -1.4, "gain_db": 6, "pos": [4.78, 1.4, 1.2], "facing": 80, "mic_dist": 0.39},
    {"name": "defense", "voice": "cmn-latn-pinyin+f5", "pitch": 67, "speed": 172, "level_db": 0.3, "pos": [4.78, 5.1, 1.2], "facing": 284, "mic_dist": 0.47}
  ],
  "script": [
    {"seat": "judge", "text": "xian4 zai4 he2 dui4 dang1 shi4 ren2 shen1 fen4. qing3 ge4 fang1 jie4 shao4 chu1 ting2 ren2 yuan2.", "gap": 0.5},
    {"seat": "judge", "text": "wo3 qing3 qiu2 fa3 yuan4 pan4 ling4 bei4 gao4 chang2 huan2 ben3 jin1 he2 li4 xi1.", "gap": 0.7},
    {"seat": "clerk", "text": "ni3 he2 bei4 gao4 ren2 shi4 shen2 me0 guan1 xi4?", "gap": 0.8},
    {"seat": "judge", "text": "qing3 ba3 zheng4 ju4 cheng2 jiao1 fa3 ting2.", "gap": 0.7},
    {"seat": "clerk", "text": "wo3 ren4 wei2 zhe4 fen4 zheng4 ju4 bu4 zhen1 shi2, shang4 mian4 de0 ri4 qi1 shi4 hou4 lai2 gai3 de0.", "gap": 0.9, "lean": "judge"}
  ]
}`

// TestLeanBackToTheBench (stage 28): the clerk, leaning back to the judge's mic and turned from
// their own, is still the loudest on their own mic, but only 3–10 dB over the room, and the
// judge's mic hears the voice 7 samples first: far from the judge's own voice there (61 samples
// the other way), and the clerk has learned no lead at the judge's mic. Before stage 28 stage 7
// took the judge's mic first for the judge's voice, stage 22 found no sign of the clerk, and the
// 5.4 s line went to nobody (0.00 s on either seat); without stage 28's stage 7 part it still
// does.
func TestLeanBackToTheBench(t *testing.T) {
	keepsTheLine(t, leanBackRoom, "clerk", "judge", 0.6)
}
