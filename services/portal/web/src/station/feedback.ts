// Sound and vibration for an answer, where the device has them: nobody at a noisy gate reads every screen.
export type Tone = 'ok' | 'warn' | 'error' | 'attention';

let audio: AudioContext | undefined;

/** Tones per answer: one high beep, two middle ones, one long low buzz. */
const PATTERNS: Record<Tone, { frequency: number; seconds: number; gap: number; count: number; vibrate: number[] }> = {
  ok: { frequency: 1320, seconds: 0.12, gap: 0, count: 1, vibrate: [80] },
  warn: { frequency: 740, seconds: 0.14, gap: 0.1, count: 2, vibrate: [120, 80, 120] },
  error: { frequency: 220, seconds: 0.5, gap: 0, count: 1, vibrate: [400] },
  // An attention ticket: three rising-pitch chimes, unlike any answer, so the gate looks up.
  attention: { frequency: 988, seconds: 0.16, gap: 0.08, count: 3, vibrate: [200, 100, 200, 100, 200] },
};

export function signal(tone: Tone): void {
  const pattern = PATTERNS[tone];
  navigator.vibrate?.(pattern.vibrate);
  try {
    audio ??= new AudioContext();
    if (audio.state === 'suspended') void audio.resume();
    let at = audio.currentTime;
    for (let index = 0; index < pattern.count; index++) {
      const oscillator = audio.createOscillator();
      const gain = audio.createGain();
      oscillator.type = tone === 'error' ? 'sawtooth' : 'sine';
      oscillator.frequency.value = pattern.frequency;
      gain.gain.setValueAtTime(0.25, at);
      gain.gain.exponentialRampToValueAtTime(0.001, at + pattern.seconds);
      oscillator.connect(gain).connect(audio.destination);
      oscillator.start(at);
      oscillator.stop(at + pattern.seconds);
      at += pattern.seconds + pattern.gap;
    }
  } catch {
    // No audio on this device (or not allowed yet): the screen and the vibration still say it.
  }
}
