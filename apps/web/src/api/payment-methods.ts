import { useQuery } from '@tanstack/react-query';
import { paymentsApi } from './booking.api';
import { useI18n } from '../i18n/i18n.context';
import { namedById } from '../i18n/messages';
import type { Locale } from '../lib/format';

/**
 * A payment method's name in the reader's language ("카카오페이" / "Kakao Pay") for its id; a method
 * the web app does not know yet shows the payment service's own name for it, then the id.
 */
export function paymentMethodName(locale: Locale, method: string, serviceName?: string): string {
  return namedById(locale, 'paymentMethod', method, serviceName);
}

export function usePaymentMethodName(): (method: string | null | undefined) => string {
  const { locale } = useI18n();
  const methods = useQuery({
    queryKey: ['payment-methods'],
    queryFn: paymentsApi.methods,
    staleTime: 3_600_000,
  });
  return (method) =>
    method ? paymentMethodName(locale, method, methods.data?.find((m) => m.method === method)?.name) : '-';
}
