package diarize_test

import "testing"

// leanUnlearnedRoom is a courtroom drawn by `hearinggen random` (seed 501: RT60 0.75 s, eight
// seats), in espeak-ng's Mandarin voices. The witness answers upright twice, so the witness's
// lead at associate2's mic (1.6 m away) is learned; associate2 and the judge speak once each,
// associate2 learning its lead only at the bench mics beside it, not at the witness's. Then the
// witness leans 0.3 m towards associate2's mic and asks a question into it.
const leanUnlearnedRoom = `{
  "name": "lean-unlearned", "seed": 501, "noise_dbfs": -57.7, "hum_dbfs": -66.4, "elec_dbfs": -80,
  "lead_in": 1, "tail": 1.5, "room": {"size": [10.3, 7.2, 4.3], "rt60": 0.75},
  "seats": [
    {"name": "judge", "voice": "cmn-latn-pinyin+f4", "pitch": 56, "speed": 153, "level_db": -0.7, "pos": [9.1, 3.6, 1.55], "facing": 192, "mic_dist": 0.49},
    {"name": "associate", "voice": "cmn-latn-pinyin+m5", "pitch": 31, "speed": 146, "level_db": -1.8, "gain_db": 6, "pos": [9.1, 4.77, 1.55], "facing": 174, "mic_dist": 0.38},
    {"name": "associate2", "voice": "cmn-latn-pinyin+f2", "pitch": 64, "speed": 172, "level_db": -0.4, "pos": [9.1, 2.43, 1.55], "facing": 167, "mic_dist": 0.58},
    {"name": "clerk", "voice": "cmn-latn-pinyin+m1", "pitch": 38, "speed": 174, "level_db": -1, "pos": [7.9, 3.39, 1.15], "facing": 179, "mic_dist": 0.63},
    {"name": "witness", "voice": "cmn-latn-pinyin+f5", "pitch": 67, "speed": 164, "level_db": -0.5, "pos": [8.1, 1.2, 1.35], "facing": 224, "mic_dist": 0.44},
    {"name": "prosecutor", "voice": "cmn-latn-pinyin+m3", "pitch": 44, "speed": 148, "level_db": -0.4, "pos": [4.61, 1.4, 1.2], "facing": 58, "mic_dist": 0.49},
    {"name": "co_counsel", "voice": "cmn-latn-pinyin+f4", "pitch": 68, "speed": 152, "level_db": -4.1, "gain_db": -7, "pos": [4, 1.4, 1.2], "facing": 64, "mic_dist": 0.39},
    {"name": "defense", "voice": "cmn-latn-pinyin+m5", "pitch": 43, "speed": 152, "level_db": 0.7, "pos": [4.61, 5.8, 1.2], "facing": 304, "mic_dist": 0.43}
  ],
  "script": [
    {"seat": "witness", "text": "qing3 pang2 ting1 ren2 yuan2 guan1 bi4 shou3 ji1, bu4 de2 lu4 yin1 lu4 xiang4.", "gap": 0.5},
    {"seat": "witness", "text": "xian4 zai4 kai1 ting2. ben3 an4 shi4 yi1 qi3 dao4 qie4 an4, you2 ben3 ting2 gong1 kai1 shen3 li3.", "gap": 0.7},
    {"seat": "associate2", "text": "wo3 da4 gai4 jiu3 dian3 zuo3 you4 li2 kai1 de0, ran2 hou4 zhi2 jie1 qu4 le0 shang1 chang3.", "gap": 0.9},
    {"seat": "judge", "text": "ni3 zhi1 dao4 bei4 gao4 ren2 na4 tian1 wan3 shang4 zai4 na3 li3 ma0?", "gap": 0.6},
    {"seat": "witness", "text": "na4 bi3 qian2 zui4 hou4 qu4 le0 na3 li3?", "gap": 0.6, "lean": "associate2"}
  ]
}`

// TestLeanToASeatThatLearnedNothingThere (stage 27): the leaning witness's question reaches
// associate2's mic 4–5 dB louder than the witness's own, and the witness's mic 20 samples first
// (the witness's learned lead there is 46: a lean of 0.3 m). Stage 19 gave such a sound to the
// leaning talker only where both seats had learned their leads at each other's mics, and
// associate2 had learned none at the witness's: the level model gave the voice to associate2,
// stage 7 refused associate2's runs (the witness's mic heard them first), and the line was
// lost. Stage 27 takes a lag on the witness's side within reach of the witness's learned lead
// as the lean, and stage 22 lets the witness's mic, heard first, start at less over the room
// although the leaned-to mic is the louder.
func TestLeanToASeatThatLearnedNothingThere(t *testing.T) {
	keepsTheLine(t, leanUnlearnedRoom, "witness", "associate2", 0.6)
}
