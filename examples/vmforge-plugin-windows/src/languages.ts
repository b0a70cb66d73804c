/**
 * The language tags of Windows 11's display languages (the language packs of a Windows ISO),
 * used for the UI language and for the locale (keyboard, formats). Source: Microsoft, "Available
 * language packs for Windows" (learn.microsoft.com/windows-hardware/manufacture/desktop/available-language-packs-for-windows).
 */
export const WINDOWS_LANGUAGES = [
  "ar-SA", "bg-BG", "cs-CZ", "da-DK", "de-DE", "el-GR", "en-GB", "en-US", "es-ES", "es-MX",
  "et-EE", "fi-FI", "fr-CA", "fr-FR", "he-IL", "hr-HR", "hu-HU", "it-IT", "ja-JP", "ko-KR",
  "lt-LT", "lv-LV", "nb-NO", "nl-NL", "pl-PL", "pt-BR", "pt-PT", "ro-RO", "ru-RU", "sk-SK",
  "sl-SI", "sr-Latn-RS", "sv-SE", "th-TH", "tr-TR", "uk-UA", "zh-CN", "zh-TW",
] as const;
