/**
 * `npm run hash-password`: prints a password hash for a rep of the desk config
 * (`reps[].passwordHash`). At a terminal it asks twice without echoing; piped, it reads one line
 * from stdin (`printf '%s\n' "$PASSWORD" | npm run --silent hash-password`).
 */
import { createInterface } from 'node:readline';
import { MIN_PASSWORD_CHARS } from '../protocol/desk-admin.ts';
import { MAX_PASSWORD_CHARS, hashPassword } from './desk/passwords.ts';

/** Reads one line from a TTY with echo off (raw mode; Ctrl-C aborts, Backspace erases). */
function askHidden(prompt: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const input = process.stdin;
    process.stderr.write(prompt);
    input.setRawMode(true);
    input.resume();
    input.setEncoding('utf8');
    let text = '';
    const done = (fail?: Error) => {
      input.setRawMode(false);
      input.pause();
      input.off('data', onData);
      process.stderr.write('\n');
      if (fail) reject(fail);
      else resolve(text);
    };
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n') return done();
        if (char === '\u0003' || char === '\u0004') return done(new Error('cancelled'));
        if (char === '\u007f' || char === '\b') text = [...text].slice(0, -1).join('');
        else if (char >= ' ') text += char;
      }
    };
    input.on('data', onData);
  });
}

async function readPiped(): Promise<string> {
  const lines = createInterface({ input: process.stdin, terminal: false });
  for await (const line of lines) {
    lines.close();
    return line;
  }
  return '';
}

async function main(): Promise<number> {
  let password: string;
  if (process.stdin.isTTY) {
    password = await askHidden('Password: ');
    const again = await askHidden('Same password again: ');
    if (again !== password) {
      console.error('The two passwords differ: nothing was printed. Try again.');
      return 1;
    }
  } else {
    password = await readPiped();
  }
  if (password.length < MIN_PASSWORD_CHARS) {
    console.error(`The password is too short: use at least ${MIN_PASSWORD_CHARS} characters.`);
    return 1;
  }
  if (password.length > MAX_PASSWORD_CHARS) {
    console.error(`The password is too long: at most ${MAX_PASSWORD_CHARS} characters.`);
    return 1;
  }
  console.log(await hashPassword(password));
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`hash-password: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
