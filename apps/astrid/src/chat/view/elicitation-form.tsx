/** @jsxRuntime automatic @jsxImportSource react */
import type { ElicitationAnswer } from '@astrid/client';
import type { ElicitationField, ElicitationRequest } from '@astrid/core';
import { Box, Text } from 'ink';
import { type ReactNode, useRef, useState } from 'react';
import { cut, safe } from '../safe-text.js';
import { type KeyTarget, useKeys } from './keys.js';

type Value = string | number | boolean;

/** Checks one typed answer against its field: the value, or an error to show. */
export function parseFieldValue(field: ElicitationField, raw: string): { value?: Value; error?: string } {
  if (field.type === 'number' || field.type === 'integer') {
    const n = Number(raw.trim());
    if (raw.trim() === '' || !Number.isFinite(n)) return { error: 'expected a number' };
    if (field.type === 'integer' && !Number.isInteger(n)) return { error: 'expected a whole number' };
    return { value: n };
  }
  return { value: raw };
}

interface FormState {
  readonly index: number;
  readonly values: Readonly<Record<string, Value>>;
  readonly text: string;
  readonly choice: number;
  readonly error?: string;
}

const EMPTY_FORM: FormState = { index: 0, values: {}, text: '', choice: 0 };

/** Props of {@link ElicitationForm}. */
export interface ElicitationFormProps {
  readonly request: ElicitationRequest;
  readonly active: boolean;
  /** The app's key router; without it the component reads keys itself. */
  readonly keys?: KeyTarget;
  readonly onAnswer: (answer: ElicitationAnswer) => void;
}

/**
 * Asks an elicitation inline, one field at a time: text (masked with `*` when secret), a
 * choice for an enum (↑/↓, Enter), y/n for a boolean, a checked number. Esc cancels,
 * Ctrl-D declines. The source's message is untrusted and shown sanitised, labelled as theirs.
 */
export function ElicitationForm({ request, active, keys, onAnswer }: ElicitationFormProps): ReactNode {
  // One state object behind a ref: keys can arrive faster than React re-renders.
  const [form, setFormState] = useState<FormState>(EMPTY_FORM);
  const formRef = useRef(form);
  const setForm = (next: FormState) => {
    formRef.current = next;
    setFormState(next);
  };

  useKeys(
    (input, key) => {
      const f = formRef.current;
      const field = request.fields[f.index];
      const next = (value: Value | undefined) => {
        const values =
          value === undefined || field === undefined ? f.values : { ...f.values, [field.name]: value };
        if (f.index + 1 >= request.fields.length) {
          setForm({ ...EMPTY_FORM, index: f.index, values });
          onAnswer({ action: 'accept', content: values });
        } else setForm({ ...EMPTY_FORM, index: f.index + 1, values });
      };
      if (key.escape) return onAnswer({ action: 'cancel' });
      if (key.ctrl && input === 'd') return onAnswer({ action: 'decline' });
      if (field === undefined) return;
      if (field.type === 'boolean') {
        const k = input.toLowerCase();
        if (k === 'y' || k === 'n') next(k === 'y');
        else if (key.return && !field.required) next(undefined);
        return;
      }
      if (field.enum !== undefined) {
        const n = field.enum.length;
        if (key.upArrow) setForm({ ...f, choice: (f.choice + n - 1) % n });
        else if (key.downArrow) setForm({ ...f, choice: (f.choice + 1) % n });
        else if (key.return) next(field.enum[f.choice]);
        return;
      }
      if (key.return) {
        if (f.text === '') {
          if (field.required) setForm({ ...f, error: 'an answer is required' });
          else next(undefined);
          return;
        }
        const parsed = parseFieldValue(field, f.text);
        if (parsed.error !== undefined) setForm({ ...f, error: parsed.error });
        else next(parsed.value);
        return;
      }
      if (key.backspace || key.delete) setForm({ ...f, text: f.text.slice(0, -1) });
      else if (!key.ctrl && !key.meta)
        // biome-ignore lint/suspicious/noControlCharactersInRegex: one plain line of input
        setForm({ ...f, text: f.text + input.replace(/[\u0000-\u001f\u007f-\u009f]/g, '') });
    },
    active,
    keys,
  );

  const { index, text, choice, error } = form;
  const field = request.fields[index];
  if (field === undefined) return null;
  const title = safe(field.title ?? field.name);
  return (
    <Box flexDirection="column" borderStyle="round" borderColor="cyan" paddingX={1}>
      <Text>
        <Text bold color="cyan">
          Input requested by {safe(request.source)}
        </Text>
        <Text dimColor>{`  (${index + 1}/${request.fields.length})`}</Text>
      </Text>
      <Text>
        <Text dimColor>they say: </Text>
        {cut(safe(request.message), 500)}
      </Text>
      <Text>
        <Text bold>{title}</Text>
        {field.required ? <Text color="red">*</Text> : null}
        {field.description === undefined ? null : (
          <Text dimColor>{` ${cut(safe(field.description), 200)}`}</Text>
        )}
      </Text>
      {field.type === 'boolean' ? (
        <Text>[y] yes [n] no{field.required ? '' : '  [Enter] skip'}</Text>
      ) : field.enum !== undefined ? (
        field.enum.map((option, i) => (
          <Text key={option} color={i === choice ? 'cyan' : undefined}>
            {`${i === choice ? '›' : ' '} ${safe(option)}`}
          </Text>
        ))
      ) : (
        <Text>
          {'› '}
          {field.secret ? '*'.repeat(text.length) : text}
          <Text inverse> </Text>
        </Text>
      )}
      {error === undefined ? null : <Text color="red">{error}</Text>}
      <Text dimColor>Enter next · Esc cancel · Ctrl-D decline{field.secret ? ' · input hidden' : ''}</Text>
    </Box>
  );
}
